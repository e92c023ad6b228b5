package provider

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/callscope/callscope/internal/mutate"
)

// TestWriteResultAsEncoder: the answer to a push crosses the wire byte for
// byte as json.Encoder wrote it, with the same status and Content-Type,
// for plain results and for those the fast path leaves to the encoder.
func TestWriteResultAsEncoder(t *testing.T) {
	results := []PushResult{
		{ApnsID: "0B8A5C4E-1D2F-4A6B-9C8D-7E6F5A4B3C2D", Status: 200, Payload: 1034, APNsTime: 812},
		{ApnsID: "x", Status: 400, Reason: "BadDeviceToken", Payload: 1, APNsTime: 1},
		{Status: 410, Reason: "Unregistered", Timestamp: time.UnixMilli(1700000000123).UTC()},
		{Error: "push to APNs failed: <EOF> & more", Payload: -1},
		{Error: "line\nbreak \"quoted\" é"},
		{},
	}
	for _, r := range results {
		fast, slow := httptest.NewRecorder(), httptest.NewRecorder()
		writeResult(fast, 502, r)
		writeJSON(slow, 502, r)
		if fast.Code != slow.Code || !bytes.Equal(fast.Body.Bytes(), slow.Body.Bytes()) || !reflect.DeepEqual(fast.Header(), slow.Header()) {
			t.Errorf("%+v:\nfast %d %v %q\njson %d %v %q", r, fast.Code, fast.Header(), fast.Body, slow.Code, slow.Header(), slow.Body)
		}
	}
}

var resultSeeds = []string{
	`{"apns_id":"0B8A5C4E-1D2F-4A6B-9C8D-7E6F5A4B3C2D","status":200,"payload_bytes":1034,"apns_rtt_us":812}` + "\n",
	`{"apns_id":"x","status":400,"reason":"BadDeviceToken","payload_bytes":1,"apns_rtt_us":1}`,
	`{"status":410,"reason":"Unregistered","timestamp":"2023-11-14T22:13:20.123Z"}`,
	`{"error":"no device registered with token a1b2c3d4…8f90","status":0}`,
	`{"Status":200,"status":null,"apns_id":"\u0041","error":1}`,
	`{"status":200,"status":201,"x":{"status":1},"payload_bytes":-0}`,
	`{"status":2e2}`, `[]`, `null`, `{}`,
}

// TestResultFastAsUnmarshal: what the walk reads from an answer is what
// json.Unmarshal reads, for answers and mutations of them.
func TestResultFastAsUnmarshal(t *testing.T) {
	const mutations = "{}[]\":,-0123456789eE.ntulfrs \\\xffaAS"
	r := rand.New(rand.NewPCG(11, 12))
	for _, s := range resultSeeds {
		for i := range 3000 {
			m := []byte(s)
			if i > 0 {
				m = mutate.Near(r, m, mutations)
			}
			sameResult(t, m)
		}
	}
}

func sameResult(t *testing.T, b []byte) {
	t.Helper()
	var fast, slow PushResult
	if resultFast(b, &fast) && (json.Unmarshal(b, &slow) != nil || !reflect.DeepEqual(fast, slow)) {
		t.Fatalf("%s: walk %+v, encoding/json %+v", b, fast, slow)
	}
}

func FuzzResultFast(f *testing.F) {
	for _, s := range resultSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { sameResult(t, b) })
}
