package envelope

import (
	"encoding/base64"
	"encoding/json"
	"strconv"

	"github.com/callscope/callscope/crypto/scheme"
)

// Hand-written JSON for what every push carries: the APNs payload with its
// envelope, and the plaintext inside. encoding/json's reflection was a sixth
// of a seal+open (issue 14); these write the same bytes and read the same
// values (FuzzFastJSON compares them with encoding/json), and fall back to
// encoding/json for anything unusual, so errors read as before.

var b64enc = base64.RawURLEncoding

// safe reports whether s needs no escaping in encoding/json's output (which
// escapes <, > and & too), so it can be written between quotes as is.
func safe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// appendStr writes s as encoding/json does.
func appendStr(dst []byte, s string) []byte {
	if safe(s) {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	b, _ := json.Marshal(s) // a string always marshals
	return append(dst, b...)
}

func appendB64(dst []byte, b []byte) []byte {
	dst = append(dst, '"')
	dst = b64enc.AppendEncode(dst, b)
	return append(dst, '"')
}

// envelopeJSON is Envelope without its MarshalJSON: the reflective
// encoding, for an alg that needs escaping.
type envelopeJSON Envelope

// MarshalJSON writes the "vpe" object; the bytes are encoding/json's.
func (e Envelope) MarshalJSON() ([]byte, error) {
	if !safe(e.Alg) {
		return json.Marshal((*envelopeJSON)(&e))
	}
	return e.appendJSON(make([]byte, 0, e.jsonSize())), nil
}

func (e *Envelope) jsonSize() int {
	return 128 + len(e.Alg) + (len(e.KID)+len(e.Rcpt)+len(e.Nonce)+len(e.Enc)+len(e.CT))*4/3
}

// appendJSON needs a safe alg.
func (e *Envelope) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"v":`...)
	dst = strconv.AppendInt(dst, int64(e.V), 10)
	dst = append(dst, `,"alg":"`...)
	dst = append(dst, e.Alg...)
	dst = append(dst, `","kid":`...)
	dst = appendB64(dst, e.KID)
	dst = append(dst, `,"rcpt":`...)
	dst = appendB64(dst, e.Rcpt)
	dst = append(dst, `,"ts":`...)
	dst = strconv.AppendInt(dst, e.TS, 10)
	dst = append(dst, `,"ttl":`...)
	dst = strconv.AppendUint(dst, uint64(e.TTL), 10)
	dst = append(dst, `,"nonce":`...)
	dst = appendB64(dst, e.Nonce)
	if len(e.Enc) > 0 {
		dst = append(dst, `,"enc":`...)
		dst = appendB64(dst, e.Enc)
	}
	dst = append(dst, `,"ct":`...)
	dst = appendB64(dst, e.CT)
	return append(dst, '}')
}

// apnsPayloadJSON is APNsPayload without its MarshalJSON.
type apnsPayloadJSON APNsPayload

// MarshalJSON writes the push; the bytes are encoding/json's.
func (p APNsPayload) MarshalJSON() ([]byte, error) {
	if !safe(p.APS.Alert.Title) || !safe(p.APS.Alert.Body) || !safe(p.APS.Sound) || p.Envelope != nil && !safe(p.Envelope.Alg) {
		return json.Marshal((*apnsPayloadJSON)(&p))
	}
	n := 128
	if p.Envelope != nil {
		n += p.Envelope.jsonSize()
	}
	dst := make([]byte, 0, n+len(p.APS.Alert.Title)+len(p.APS.Alert.Body)+len(p.APS.Sound))
	dst = append(dst, `{"aps":{"alert":{"title":"`...)
	dst = append(dst, p.APS.Alert.Title...)
	dst = append(dst, `","body":"`...)
	dst = append(dst, p.APS.Alert.Body...)
	dst = append(dst, `"},"mutable-content":`...)
	dst = strconv.AppendInt(dst, int64(p.APS.MutableContent), 10)
	if p.APS.Sound != "" {
		dst = append(dst, `,"sound":"`...)
		dst = append(dst, p.APS.Sound...)
		dst = append(dst, '"')
	}
	dst = append(dst, `},"vpe":`...)
	if p.Envelope == nil {
		dst = append(dst, "null"...)
	} else {
		dst = p.Envelope.appendJSON(dst)
	}
	return append(dst, '}'), nil
}

// MarshalPayload is json.Marshal(NewPayload(e)) without encoding/json's
// pass over the result: the push a provider sends.
func MarshalPayload(e *Envelope) []byte {
	b, _ := NewPayload(e).MarshalJSON() // cannot fail: it is bytes and numbers
	return b
}

// appendPlaintext writes p as json.Marshal does.
func appendPlaintext(dst []byte, p *Plaintext) []byte {
	dst = append(dst, `{"type":`...)
	dst = appendStr(dst, p.Type)
	if p.CallUUID != "" {
		dst = append(dst, `,"call_uuid":`...)
		dst = appendStr(dst, p.CallUUID)
	}
	if c := p.Caller; c != nil {
		dst = append(dst, `,"caller":{"handle":`...)
		dst = appendStr(dst, c.Handle)
		dst = append(dst, `,"handle_type":`...)
		dst = appendStr(dst, c.HandleType)
		if c.Name != "" {
			dst = append(dst, `,"name":`...)
			dst = appendStr(dst, c.Name)
		}
		dst = append(dst, '}')
	}
	if p.Video {
		dst = append(dst, `,"video":true`...)
	}
	if p.Text != "" {
		dst = append(dst, `,"text":`...)
		dst = appendStr(dst, p.Text)
	}
	dst = append(dst, `,"sent_ms":`...)
	dst = strconv.AppendInt(dst, p.SentMS, 10)
	dst = append(dst, `,"nonce":`...)
	dst = appendStr(dst, p.Nonce)
	for _, f := range [...]struct{ key, v string }{
		{`,"bind":`, p.Bind}, {`,"sig":`, p.Sig}, {`,"signer_kid":`, p.SignerKID}, {`,"trace_id":`, p.TraceID}, {`,"pad":`, p.Pad},
	} {
		if f.v != "" {
			dst = append(dst, f.key...)
			dst = appendStr(dst, f.v)
		}
	}
	return append(dst, '}')
}

var (
	envelopeKeys  = []string{"v", "alg", "kid", "rcpt", "ts", "ttl", "nonce", "enc", "ct"}
	payloadKeys   = []string{"vpe"}
	plaintextKeys = []string{"type", "call_uuid", "caller", "video", "text", "sent_ms", "nonce", "bind", "sig", "signer_kid", "trace_id", "pad"}
	callerKeys    = []string{"handle", "handle_type", "name"}
)

// parsePayloadFast reads {"aps":…,"vpe":{…}}; ok is false when
// encoding/json must decide (see lexer).
func parsePayloadFast(b []byte) (e *Envelope, ok bool) {
	l := newLexer(b)
	l.Object()
	var seen uint32
	for {
		key, more := l.Member()
		if !more {
			break
		}
		if string(key) == "vpe" {
			l.Once(&seen, 0)
			e = l.envelope()
		} else {
			l.Unknown(key, payloadKeys)
		}
	}
	return e, l.End() && e != nil
}

func (l *lexer) envelope() *Envelope {
	var e Envelope
	l.Object()
	var seen uint32
	for {
		key, more := l.Member()
		if !more {
			break
		}
		switch string(key) {
		case "v":
			l.Once(&seen, 0)
			e.V = int(l.Int(-1<<53, 1<<53))
		case "alg":
			l.Once(&seen, 1)
			e.Alg = l.alg()
		case "kid":
			l.Once(&seen, 2)
			e.KID = l.b64()
		case "rcpt":
			l.Once(&seen, 3)
			e.Rcpt = l.b64()
		case "ts":
			l.Once(&seen, 4)
			e.TS = l.Int(-1<<62, 1<<62)
		case "ttl":
			l.Once(&seen, 5)
			e.TTL = uint32(l.Int(0, 1<<32-1))
		case "nonce":
			l.Once(&seen, 6)
			e.Nonce = l.b64()
		case "enc":
			l.Once(&seen, 7)
			e.Enc = l.b64()
		case "ct":
			l.Once(&seen, 8)
			e.CT = l.b64()
		default:
			l.Unknown(key, envelopeKeys)
		}
	}
	return &e
}

// DecodePlaintext reads a decrypted plaintext: json.Unmarshal into a new
// Plaintext, faster.
func DecodePlaintext(b []byte) (Plaintext, error) {
	if p, ok := decodePlaintextFast(b); ok {
		return p, nil
	}
	var p Plaintext
	err := json.Unmarshal(b, &p)
	return p, err
}

func decodePlaintextFast(b []byte) (Plaintext, bool) {
	var p Plaintext
	l := newLexer(b)
	l.Object()
	var seen uint32
	for {
		key, more := l.Member()
		if !more {
			break
		}
		switch string(key) {
		case "type":
			l.Once(&seen, 0)
			p.Type = l.str()
		case "call_uuid":
			l.Once(&seen, 1)
			p.CallUUID = l.str()
		case "caller":
			l.Once(&seen, 2)
			p.Caller = l.caller()
		case "video":
			l.Once(&seen, 3)
			p.Video = l.Bool()
		case "text":
			l.Once(&seen, 4)
			p.Text = l.str()
		case "sent_ms":
			l.Once(&seen, 5)
			p.SentMS = l.Int(-1<<62, 1<<62)
		case "nonce":
			l.Once(&seen, 6)
			p.Nonce = l.str()
		case "bind":
			l.Once(&seen, 7)
			p.Bind = l.str()
		case "sig":
			l.Once(&seen, 8)
			p.Sig = l.str()
		case "signer_kid":
			l.Once(&seen, 9)
			p.SignerKID = l.str()
		case "trace_id":
			l.Once(&seen, 10)
			p.TraceID = l.str()
		case "pad":
			l.Once(&seen, 11)
			p.Pad = l.str()
		default:
			l.Unknown(key, plaintextKeys)
		}
	}
	return p, l.End()
}

func (l *lexer) caller() *Caller {
	var c Caller
	l.Object()
	var seen uint32
	for {
		key, more := l.Member()
		if !more {
			break
		}
		switch string(key) {
		case "handle":
			l.Once(&seen, 0)
			c.Handle = l.str()
		case "handle_type":
			l.Once(&seen, 1)
			c.HandleType = l.str()
		case "name":
			l.Once(&seen, 2)
			c.Name = l.str()
		default:
			l.Unknown(key, callerKeys)
		}
	}
	return &c
}

var knownAlgs = scheme.Names()

// alg reads the scheme name: a known one is the package's own string, so
// the envelope's bytes are not copied into a string for 40 bytes of it.
func (l *lexer) alg() string {
	raw, plain, ascii := l.RawString()
	if !l.Bad() && plain && ascii {
		for _, name := range knownAlgs {
			if string(raw) == name {
				return name
			}
		}
	}
	return l.keep(raw, plain, ascii)
}
