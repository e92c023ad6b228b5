package h2server

import (
	"strconv"

	"golang.org/x/net/http2"
)

// request checks a request's header block as RFC 9113 §8.2 and §8.3 ask;
// a malformed one is a stream error of type PROTOCOL_ERROR. The Framer has
// already refused uppercase or invalid names, unknown, repeated or late
// pseudo-header fields. It returns the content-length, or -1.
func request(f *http2.MetaHeadersFrame) (*Request, int64, error) {
	bad := http2.StreamError{StreamID: f.StreamID, Code: http2.ErrCodeProtocol}
	rq := &Request{Stream: f.StreamID}
	var scheme string
	for _, p := range f.PseudoFields() {
		switch p.Name {
		case ":method":
			rq.Method = p.Value
		case ":path":
			rq.Path = p.Value
		case ":scheme":
			scheme = p.Value
		case ":authority":
			rq.Authority = p.Value
		default: // :status, or :protocol (extended CONNECT is not offered)
			return nil, 0, bad
		}
	}
	if rq.Method == "" || rq.Path == "" || scheme == "" {
		return nil, 0, bad
	}
	declLen := int64(-1)
	rq.Fields = f.RegularFields()
	for _, hf := range rq.Fields {
		switch hf.Name {
		case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
			return nil, 0, bad // connection-specific (RFC 9113 §8.2.2)
		case "te":
			if hf.Value != "trailers" {
				return nil, 0, bad
			}
		case "content-length":
			n, err := strconv.ParseUint(hf.Value, 10, 63)
			if err != nil || declLen >= 0 && int64(n) != declLen {
				return nil, 0, bad
			}
			declLen = int64(n)
		}
	}
	return rq, declLen, nil
}
