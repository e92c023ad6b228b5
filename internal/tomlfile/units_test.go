package tomlfile

import (
	"testing"
	"time"
)

// nested is shaped like a scenario file: arrays of tables with durations
// in sub-tables, and a duration in a map.
type nested struct {
	Items []struct {
		Name    string `toml:"name"`
		Profile struct {
			Startup time.Duration `toml:"nse_startup"`
			Count   int           `toml:"count"`
		} `toml:"profile"`
		Extra []struct {
			Wait *time.Duration `toml:"wait"`
		} `toml:"extra"`
	} `toml:"item"`
	Waits map[string]time.Duration `toml:"waits"`
}

// TestDurationsNeedAUnit: wherever a duration sits, a bare number is
// refused at the line it is written on, in the [[table]] it is written in.
func TestDurationsNeedAUnit(t *testing.T) {
	tests := []struct{ name, in, err string }{
		{"top level", "wait = 6\n", "f.toml:1: wait: 6 has no unit (write 6s)"},
		{"sub-table", "[[item]]\nname = \"a\"\n[item.profile]\ncount = 3\nnse_startup = 6\n",
			"f.toml:5: item.profile.nse_startup: 6 has no unit (write 6s)"},
		{"second [[item]]", "[[item]]\n[item.profile]\nnse_startup = \"1s\"\n\n[[item]]\n[item.profile]\nnse_startup = 7\n",
			"f.toml:7: item.profile.nse_startup: 7 has no unit (write 7s)"},
		{"dotted key", "[[item]]\nprofile.nse_startup = 6\n", "f.toml:2: item.profile.nse_startup: 6 has no unit (write 6s)"},
		{"array of tables in an array", "[[item]]\n[[item.extra]]\nwait = 0x10\n", "f.toml:3: item.extra.wait: 0x10 has no unit (write 16s)"},
		{"map value", "[waits]\nring = 60\n", "f.toml:2: waits.ring: 60 has no unit (write 60s)"},
		{"inline table", "[[item]]\nprofile = { nse_startup = 6 }\n", `f.toml: item.profile.nse_startup: a number has no unit (write it as a string with one, e.g. "6s")`},
		{"an int stays an int", "[[item]]\n[item.profile]\ncount = 6\nnse_startup = \"6s\"\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v struct {
				Wait time.Duration `toml:"wait"`
				nested
			}
			err := Decode("f.toml", []byte(tt.in), &v)
			switch {
			case tt.err == "" && err != nil:
				t.Fatal(err)
			case tt.err != "" && (err == nil || err.Error() != tt.err):
				t.Fatalf("error %v\nwant  %s", err, tt.err)
			}
		})
	}
}
