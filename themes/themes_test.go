package themes

import "testing"

func TestGetAndNext(t *testing.T) {
	for _, name := range append(Names(), "") {
		for _, dark := range []bool{true, false} {
			th, err := Get(name, dark)
			if err != nil || th.Accent == nil || th.Lanes[4] == nil {
				t.Fatalf("Get(%q, %v) = %+v, %v", name, dark, th, err)
			}
		}
	}
	if _, err := Get("neon", true); err == nil {
		t.Fatal("unknown theme accepted")
	}
	seen := map[string]bool{}
	n := Names()[0]
	for range Names() {
		seen[n] = true
		n = Next(n)
	}
	if len(seen) != len(Names()) || n != Names()[0] {
		t.Fatalf("Next does not cycle: %v", seen)
	}
	d, _ := Get("dusk", true)
	l, _ := Get("dusk", false)
	if d.Text == l.Text {
		t.Fatal("dark and light variants are the same")
	}
}
