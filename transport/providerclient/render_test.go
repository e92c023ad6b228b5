package providerclient

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRender: each placeholder is escaped for where it stands, so a value
// with quotes, slashes or line breaks cannot break the request.
func TestRender(t *testing.T) {
	v := Values{Token: "a1b2", Device: "Bob's \"iPhone\"\n2", User: "bob/x@example.org", Topic: "org.example.app",
		Envelope: json.RawMessage(`{"v":1,"ct":"q\"z"}`), PushType: "alert", Priority: 10, Expiration: 1700000045,
		TraceID: "0123456789abcdef0123456789abcdef"}
	tests := []struct {
		name string
		src  string
		w    where
		want string
	}{
		{"path escapes a slash", "/u/{{user}}/d/{{token}}", inPath, "/u/bob%2Fx@example.org/d/a1b2"},
		{"JSON string: escaped inside quotes", `{"name":"{{device}}"}`, inJSON, `{"name":"Bob's \"iPhone\"\n2"}`},
		{"JSON value: quoted outside quotes", `{"name":{{device}}}`, inJSON, `{"name":"Bob's \"iPhone\"\n2"}`},
		{"envelope bare is the object", `{"blob":{{envelope}}}`, inJSON, `{"blob":{"v":1,"ct":"q\"z"}}`},
		{"envelope quoted is a JSON string", `{"blob":"{{envelope}}"}`, inJSON, `{"blob":"{\"v\":1,\"ct\":\"q\\\"z\"}"}`},
		{"base64 of the envelope", `{"b":"{{envelope_base64}}"}`, inJSON, `{"b":"eyJ2IjoxLCJjdCI6InFcInoifQ=="}`},
		{"base64url of the envelope", `{{envelope_base64url}}`, inRaw, `eyJ2IjoxLCJjdCI6InFcInoifQ`},
		{"numbers bare outside quotes", `{"p":{{priority}},"e":{{ expiration }}}`, inJSON, `{"p":10,"e":1700000045}`},
		{"numbers as text inside quotes", `{"p":"{{priority}}"}`, inJSON, `{"p":"10"}`},
		{"an escaped quote keeps the string open", `{"a":"x\"{{token}}"}`, inJSON, `{"a":"x\"a1b2"}`},
		{"form body", `to={{token}}&name={{device}}`, inForm, `to=a1b2&name=Bob%27s+%22iPhone%22%0A2`},
		{"header", `Bearer {{trace_id}}`, inHeader, `Bearer 0123456789abcdef0123456789abcdef`},
		{"missing value renders empty, still JSON", `{"t":"{{topic}}","k":{{kid}}}`, inJSON, `{"t":"org.example.app","k":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			txt, err := parseText(tt.src, tt.w, false)
			if err != nil {
				t.Fatal(err)
			}
			got, err := txt.render(&v)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
			if tt.w == inJSON {
				var x any
				if err := json.Unmarshal([]byte(got), &x); err != nil {
					t.Fatalf("not JSON: %v", err)
				}
			}
		})
	}
}

// TestRenderErrors: what cannot be sent right is refused, naming the
// placeholder.
func TestRenderErrors(t *testing.T) {
	t.Setenv("CS_TEST_SET", "s3cret")
	tests := []struct {
		name     string
		src      string
		w        where
		register bool
		v        Values
		parse    string // error from parseText
		render   string // error from render
	}{
		{name: "unknown placeholder", src: `{"to":"{{tokn}}"}`, w: inJSON, parse: "unknown placeholder {{tokn}} (known: device, envelope,"},
		{name: "unclosed", src: `{"to":"{{token"}`, w: inJSON, parse: "a {{ with no closing }}"},
		{name: "envelope in register", src: `{"x":{{envelope}}}`, w: inJSON, register: true, parse: "{{envelope}} is known only in [send]"},
		{name: "secret in a body", src: `{"k":"{{env:API_KEY}}"}`, w: inJSON, parse: "environment variables (secrets) go in headers only"},
		{name: "bad env name", src: `Bearer {{env:1X}}`, w: inHeader, parse: "not an environment variable name"},
		{name: "unset env", src: `Bearer {{env:CS_TEST_UNSET_VAR}}`, w: inHeader, render: "the environment variable CS_TEST_UNSET_VAR is not set"},
		{name: "line break in a header", src: `x {{device}}`, w: inHeader, v: Values{Device: "a\r\nX-Evil: 1"}, render: "a header cannot carry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			txt, err := parseText(tt.src, tt.w, tt.register)
			if tt.parse != "" {
				if err == nil || !strings.Contains(err.Error(), tt.parse) {
					t.Fatalf("parse error %v, want %q", err, tt.parse)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = txt.render(&tt.v)
			if err == nil || !strings.Contains(err.Error(), tt.render) {
				t.Fatalf("render error %v, want %q", err, tt.render)
			}
		})
	}
	txt, err := parseText(`Bearer {{env:CS_TEST_SET}}`, inHeader, false)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := txt.render(&Values{}); err != nil || got != "Bearer s3cret" {
		t.Fatalf("env: %q %v", got, err)
	}
}
