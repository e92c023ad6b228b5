package providerclient

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadExample(t *testing.T) {
	tpl, err := Load("testdata/example.toml")
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Register.Method != "PUT" || tpl.Send.Path != "/v2/notify" || tpl.Send.Answer.APNsStatus != "apns.status" ||
		tpl.APNs.Listen != "127.0.0.1:2197" || tpl.APNs.CAOut != filepath.Join("testdata", "mock-ca.pem") || !tpl.Send.Answer.OK(202) || tpl.Send.Answer.OK(200) || !tpl.Register.Answer.OK(201) {
		t.Fatalf("%+v", tpl)
	}
}

// TestDocsExample: the example in docs/server-template.md is the one this
// package loads in its tests.
func TestDocsExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/server-template.md")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := os.ReadFile("testdata/example.toml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "```toml\n"+string(ex)+"```") {
		t.Fatal("docs/server-template.md does not show testdata/example.toml as its example")
	}
}

// TestLoadErrors: a bad template is one line naming the file, the line and
// the field.
func TestLoadErrors(t *testing.T) {
	const good = "[register]\nmethod = \"POST\"\npath = \"/r\"\nbody = '{\"t\":\"{{token}}\"}'\n\n[send]\nmethod = \"POST\"\npath = \"/s\"\n"
	tests := []struct {
		name, src, want string
	}{
		{"no send", "[register]\nmethod = \"POST\"\npath = \"/r\"\n", "f.toml: no [send] table"},
		{"unknown placeholder in a multi-line body", good + "body = '''\n{\n  \"to\": \"{{token}}\",\n  \"blob\": \"{{envelop}}\"\n}\n'''\n",
			"f.toml:12: field send.body: unknown placeholder {{envelop}}"},
		{"unknown placeholder in a path", strings.Replace(good, "/s", "/s/{{tok}}", 1), "f.toml:8: field send.path: unknown placeholder {{tok}}"},
		{"unknown placeholder in an inline header table", good + "headers = { X-Id = \"{{trace}}\" }\n",
			"f.toml:9: field send.headers.X-Id: unknown placeholder {{trace}}"},
		{"unknown placeholder in a header table", good + "[send.headers]\nX-Id = \"{{trace}}\"\n",
			"f.toml:10: field send.headers.X-Id: unknown placeholder {{trace}}"},
		{"send-only placeholder in register", strings.Replace(good, "{{token}}", "{{trace_id}}", 1),
			"f.toml:4: field register.body: {{trace_id}} is known only in [send]"},
		{"body not JSON", good + "body = '{\"to\": \"{{token}}\" \"x\": 1}'\n", "f.toml:9: field send.body: not JSON once filled in"},
		{"bad method", strings.Replace(good, "method = \"POST\"\npath = \"/s\"", "method = \"SEND\"\npath = \"/s\"", 1),
			"f.toml:7: field send.method: \"SEND\": want GET, POST"},
		{"relative path", strings.Replace(good, "\"/r\"", "\"r\"", 1), "f.toml:3: field register.path: \"r\": want a path"},
		{"unknown field", good + "timeout = 3\n", "f.toml:9: unknown field send.timeout"},
		{"bad status", good + "answer = { status = [2000] }\n", "f.toml:9: field send.answer.status: 2000 is not an HTTP status"},
		{"half a key", good + "[apns]\nkey_id = \"ABC123DEFG\"\n", "f.toml:10: field apns: key_id, team_id and auth_key go together"},
		{"TOML syntax", good + "body = \n", "f.toml:9:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.toml", []byte(tt.src))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v\nwant  %s…", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is more than one line: %q", err)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.toml")); err == nil || !strings.Contains(err.Error(), "missing.toml: no such file") {
		t.Fatalf("missing file: %v", err)
	}
}
