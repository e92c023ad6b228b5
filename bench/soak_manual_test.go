package bench

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"testing"
)

// TestSoakManual runs `bench soak` at the size CALLSCOPE_SOAK_COUNT asks
// (the benchcore command does this for users); skipped without it.
func TestSoakManual(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CALLSCOPE_SOAK_COUNT"))
	if n == 0 {
		t.Skip("set CALLSCOPE_SOAK_COUNT to run a full soak")
	}
	b, _ := Lookup("soak")

	res, err := b.Run(context.Background(), Options{Count: n, TraceDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.MarshalIndent(res, "", "  ")
	t.Logf("%s", out)
	if fi, err := os.Stat(res.Trace); err == nil {
		t.Logf("trace %d bytes", fi.Size())
	}
	if !*res.Met {
		t.Error("soak target not met")
	}
}
