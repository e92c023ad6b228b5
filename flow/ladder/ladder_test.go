package ladder

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/callscope/callscope/flow"
)

var t0 = time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)

func ev(stage flow.Stage, name string, ms float64) flow.Event {
	return flow.Event{TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", CallID: "c1", Stage: stage, Name: name,
		Time: t0.Add(time.Duration(ms * float64(time.Millisecond)))}
}

func call(events ...flow.Event) flow.Call {
	cs := flow.NewCalls()
	for _, e := range events {
		cs.Add(e)
	}
	c, _ := cs.Get(events[0].TraceID)
	return c
}

func connected() flow.Call {
	end := ev(flow.StageCallKit, "connected", 9)
	end.Outcome = flow.OutcomeConnected
	return call(ev(flow.StageSender, "compose", 0), ev(flow.StageServer, "request", 1.5),
		ev(flow.StageAPNs, "received", 3), ev(flow.StageExtension, "launched", 7),
		ev(flow.StageCallKit, "report", 8), ev(flow.StageCallKit, flow.NameRinging, 8.5), end)
}

func rejected() flow.Call {
	e := ev(flow.StageAPNs, "rejected", 3)
	e.Diagnosis = &flow.Diagnosis{Stage: flow.StageAPNs, Code: flow.CodeAPNsRejected, Apple: "BadDeviceToken"}
	e.Outcome = flow.OutcomeFailed
	return call(ev(flow.StageSender, "compose", 0), ev(flow.StageServer, "request", 1), e)
}

func TestText(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    flow.Call
		want []string // substrings, in order, one per line
	}{
		{"connected", connected(), []string{
			"Sender", "│────1.5ms─────▶│", "│────1.5ms─────▶│", "│─────4ms──────▶│", "│─────1ms──────▶│", "● 500µs", "connected · measured 8.5ms",
		}},
		{"rejected at APNs", rejected(), []string{
			"Sender", "│─────1ms──────▶│", "│─────2ms──────▶│", "│✗ APNS_REJECTED│", "│", "failed at APNs: APNS_REJECTED (BadDeviceToken) · measured 3ms",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := Build(tc.c).Text(80)
			if len(lines) != len(tc.want) {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), len(tc.want), strings.Join(lines, "\n"))
			}
			for i, w := range tc.want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("line %d = %q, want it to contain %q\n%s", i, lines[i], w, strings.Join(lines, "\n"))
				}
				if strings.ContainsRune(lines[i], '\x1b') {
					t.Errorf("line %d has an escape code: %q", i, lines[i])
				}
			}
		})
	}
}

func TestTextNarrow(t *testing.T) {
	for _, w := range []int{0, 10, MinWidth, 41, 200} {
		for _, l := range Build(connected()).Text(w) {
			if n := len([]rune(l)); n > max(w, MinWidth) && !strings.HasPrefix(l, "connected") {
				t.Errorf("width %d: line %q is %d cells", w, l, n)
			}
		}
	}
}

func TestSVGParses(t *testing.T) {
	c := rejected()
	c.From = `a<b&"c"@example.org` // text that must be escaped
	var buf bytes.Buffer
	if err := WriteSVG(&buf, []Ladder{Build(connected()), Build(c)}); err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(&buf)
	var texts []string
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not valid XML: %v\n%s", err, buf.String())
		}
		switch v := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = v.Name.Space + " " + v.Name.Local
			}
			if v.Name.Local == "image" || v.Name.Local == "script" || v.Name.Local == "style" {
				t.Errorf("element %s: want lines and text only", v.Name.Local)
			}
		case xml.CharData:
			texts = append(texts, string(v))
		}
	}
	if root != "http://www.w3.org/2000/svg svg" {
		t.Errorf("root element %q, want svg in the SVG namespace", root)
	}
	all := strings.Join(texts, "|")
	for _, want := range []string{"APNs", "1.5ms", "APNS_REJECTED", `a<b&"c"@example.org`} {
		if !strings.Contains(all, want) {
			t.Errorf("SVG text lacks %q: %s", want, all)
		}
	}
	if strings.Contains(buf.String(), "url(http") || strings.Contains(buf.String(), "@font-face") {
		t.Error("SVG refers to an external resource")
	}
}
