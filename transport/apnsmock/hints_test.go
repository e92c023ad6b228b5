package apnsmock

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	// "must be 10, 5 or 1", "must use apns-priority 5", "want 10, 5 or 1",
	// "with apns-priority 5": the apns-priority values a text asks for.
	priorityAsk = regexp.MustCompile(`(?:must be|must use|want|with|use)(?: apns-priority)? (\d+(?:(?:, | or )\d+)*)`)
	overLimit   = regexp.MustCompile(`over (\d+)`)
	number      = regexp.MustCompile(`\d+`)
)

// prioritiesAsked is the set of apns-priority values a text asks for, nil
// when it asks for none.
func prioritiesAsked(text string) []string {
	if !strings.Contains(text, "apns-priority") {
		return nil
	}
	var out []string
	for _, m := range priorityAsk.FindAllStringSubmatch(text, -1) {
		out = append(out, number.FindAllString(m[1], -1)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// checkHint fails when a diagnosis' hint contradicts its detail, as far as a
// machine can tell: both ask for apns-priority values and the sets differ,
// either asks for the value that was rejected (rejected: the apns-priority
// the push carried, as applied), or the detail names a limit ("over 64") the
// hint's numbers leave out.
func checkHint(t testing.TB, detail, hint, rejected string) {
	t.Helper()
	d, h := prioritiesAsked(detail), prioritiesAsked(hint)
	if d != nil && h != nil && !slices.Equal(d, h) {
		t.Errorf("detail asks for apns-priority %v, hint for %v:\n  detail: %s\n  hint: %s", d, h, detail, hint)
	}
	if rejected != "" && (slices.Contains(d, rejected) || slices.Contains(h, rejected)) {
		t.Errorf("apns-priority %s was refused, yet asked for:\n  detail: %s\n  hint: %s", rejected, detail, hint)
	}
	if hn := number.FindAllString(hint, -1); len(hn) > 0 {
		for _, m := range overLimit.FindAllStringSubmatch(detail, -1) {
			if !slices.Contains(hn, m[1]) {
				t.Errorf("detail names limit %s, the hint only %v:\n  detail: %s\n  hint: %s", m[1], hn, detail, hint)
			}
		}
	}
}

// TestNoHintContradictsItsDetail provokes every reason (reasonCases) and
// holds each rejection's hint against its detail.
func TestNoHintContradictsItsDetail(t *testing.T) {
	for _, tc := range reasonCases {
		t.Run(tc.reason, func(t *testing.T) {
			f := newFixture(t, tc.mod)
			_, _, id := tc.send(t, f)
			e := f.events.wait(t, "rejected", named(id, "rejected"))
			if e.Diagnosis == nil || e.Diagnosis.Hint == "" {
				t.Fatalf("rejection without a hint: %+v", e.Diagnosis)
			}
			rejected := ""
			if tc.reason == "BadPriority" {
				rejected = f.events.wait(t, "received", named(id, "received")).Attrs["priority"]
				if rejected == "" {
					rejected = "10" // none sent: APNs applies 10
				}
			}
			checkHint(t, e.Diagnosis.Detail, e.Diagnosis.Hint, rejected)
		})
	}
}

// TestCheckHintCatchesContradictions: the check itself, on the texts of the
// original background-push rejection and on an agreeing pair.
func TestCheckHintCatchesContradictions(t *testing.T) {
	ft := &fakeT{}
	checkHint(ft, "400 BadPriority: background pushes must use apns-priority 5", "apns-priority must be 10, 5 or 1", "10")
	if ft.errors != 2 {
		t.Errorf("the original background texts drew %d complaints, want 2", ft.errors)
	}
	ft = &fakeT{}
	checkHint(ft, `400 BadPriority: apns-priority "7": want 10, 5 or 1`, "apns-priority must be 10, 5 or 1", "7")
	checkHint(ft, "413 PayloadTooLarge: payload is over 5120 bytes for voip", "payload over 4096 bytes (5120 for voip): shrink the envelope", "")
	if ft.errors != 0 {
		t.Errorf("agreeing texts drew %d complaints", ft.errors)
	}
}

type fakeT struct {
	testing.TB
	errors int
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.errors++ }

// TestReceivedHeadersAsSent: the received event (what --record, the screen and
// --events-to show) carries each apns-* header exactly as it came, and none
// that did not come; defaults the mock applies are not the provider's.
func TestReceivedHeadersAsSent(t *testing.T) {
	tests := []struct {
		name   string
		hdr    [][2]string
		auth   bool // send a valid JWT (else none: 403 before the headers are judged)
		reason string
		want   map[string]string // the header attrs of the received event
	}{
		{"priority 7 stays 7", [][2]string{{"apns-priority", "7"}}, true, "BadPriority", map[string]string{"priority": "7", "topic": testTopic}},
		{"no headers but the topic: no defaults", nil, true, "", map[string]string{"topic": testTopic}},
		{"every header as sent", [][2]string{{"apns-priority", "5"}, {"apns-push-type", "alert"}, {"apns-expiration", "0"},
			{"apns-collapse-id", "call-1"}, {"apns-id", "123E4567-E89B-12D3-A456-426614174000"}}, true, "",
			map[string]string{"priority": "5", "push_type": "alert", "expiration": "0", "collapse_id": "call-1",
				"apns_id": "123E4567-E89B-12D3-A456-426614174000", "topic": testTopic}},
		{"a bad expiration is kept", [][2]string{{"apns-expiration", "tomorrow"}}, true, "BadExpirationDate",
			map[string]string{"expiration": "tomorrow", "topic": testTopic}},
		{"an expiration with a sign is kept", [][2]string{{"apns-expiration", "+0"}}, true, "",
			map[string]string{"expiration": "+0", "topic": testTopic}},
		{"a bad apns-id is kept", [][2]string{{"apns-id", "not-a-uuid"}}, true, "BadMessageId",
			map[string]string{"apns_id": "not-a-uuid", "topic": testTopic}},
		{"an unknown push type is kept", [][2]string{{"apns-push-type", "bogus"}}, true, "InvalidPushType",
			map[string]string{"push_type": "bogus", "topic": testTopic}},
		{"headers of a push refused before they are judged", [][2]string{{"apns-priority", "1"}, {"apns-push-type", "background"}}, false,
			"MissingProviderToken", map[string]string{"priority": "1", "push_type": "background", "topic": testTopic}},
		{"a repeated header keeps both values", [][2]string{{"apns-priority", "10"}, {"apns-priority", "5"}}, true, "DuplicateHeaders",
			map[string]string{"priority": "10, 5", "topic": testTopic}},
	}
	f := newFixture(t, nil)
	jwt := f.jwt(t)
	c := f.raw()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := [][2]string{{"apns-topic", testTopic}}
			if tc.auth {
				hdr = append(hdr, [2]string{"authorization", "bearer " + jwt})
			}
			r := f.do(t, c, "POST", "/3/device/"+testDevice, append(hdr, tc.hdr...), body)
			if got := reasonOf(r.body); got != tc.reason {
				t.Errorf("answer %d %q, want %q", r.status, got, tc.reason)
			}
			e := f.events.wait(t, "received", named(r.header.Get("apns-id"), "received"))
			got := map[string]string{}
			for _, h := range receivedAttrs {
				if v, ok := e.Attrs[h.attr]; ok {
					got[h.attr] = v
				}
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("received event headers %v, want %v", got, tc.want)
			}
		})
	}
}

func reasonOf(body string) string {
	_, r, _ := strings.Cut(body, `"reason":"`)
	r, _, _ = strings.Cut(r, `"`)
	return r
}

// TestCertificateTopicNotRecorded: on a certificate connection without
// apns-topic the mock uses the certificate's bundle id, and records no topic:
// the provider sent none.
func TestCertificateTopicNotRecorded(t *testing.T) {
	f := newFixture(t, nil)
	cert, err := f.s.IssueClientCert(ClientCertOptions{BundleID: testTopic})
	if err != nil {
		t.Fatal(err)
	}
	n := alertPush(testDevice)
	n.Topic = ""
	res, err := f.certClient(cert).Push(n)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("push: %+v %v", res, err)
	}
	e := f.events.wait(t, "received", named(res.ApnsID, "received"))
	if v, ok := e.Attrs["topic"]; ok {
		t.Errorf("recorded topic %q, which was not sent", v)
	}
}
