package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/flow/pipeline"
	flowtrace "github.com/callscope/callscope/flow/trace"
)

func init() {
	Benchmarks = append(Benchmarks, Benchmark{
		Name:   "soak",
		What:   "100,000 calls at c=256 through the five stages, each counted at every hop, with a trace",
		Target: "0 lost, 0 duplicated, RSS flat",
		Stages: stageNames(),
		Run:    runSoak,
	})
}

const (
	soakDefaultCount = 100_000
	soakDefaultC     = 256
	soakAllCount     = 10_000 // in bench all
	// soakRSSSlack is the growth from the first quarter's RSS to the last
	// that still counts as flat: a tenth, and never less than 16 MiB
	// (the runtime's heap goal moves in steps that size on a small heap).
	soakRSSSlack    = 0.10
	soakRSSMinSlack = 16 << 20
	// soakWarmUp is the part of the calls after which RSS counts: before,
	// connections, pools and the heap are still growing to their size.
	soakWarmUp = 0.1
)

func runSoak(ctx context.Context, o Options) (Result, error) {
	count, c := o.Count, o.Concurrency
	var inAll string
	switch {
	case count > 0:
	case o.InAll:
		count = soakAllCount
		inAll = fmt.Sprintf("bench all runs %d calls to stay short; `callscope bench soak` runs %d", soakAllCount, soakDefaultCount)
	default:
		count = soakDefaultCount
	}
	if c <= 0 {
		c = soakDefaultC
	}
	c = min(c, count)
	// The default collector, not send's load setting: RSS follows the
	// heap goal, and at GOGC=400 that goal swings with every backlog of
	// the trace writer, hiding a leak or faking one.
	prof := device.DefaultProfile()
	prof.MaximumCallGroups = 2 * c // a load run: many callers ring one callee (F-25 lifted)
	p, err := pipeline.New(ctx, pipeline.Config{Profile: prof})
	if err != nil {
		return Result{}, err
	}
	closed := false
	defer func() {
		if !closed {
			p.Close()
		}
	}()
	dir := o.TraceDir
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, "callscope-soak-"+time.Now().UTC().Format("20060102T150405")+".jsonl")
	rec, err := flowtrace.CreateWithHeader(path, pipeline.RecordHeader("send", p, prof, false))
	if err != nil {
		return Result{}, err
	}
	// Large buffers: a slow disk or a slow count shows as drops, which
	// are counted and fail the run, never lost in silence.
	recSub := p.Bus().Subscribe(1 << 16)
	rec.Follow(recSub)
	tally := newSoakTally(count)
	countSub := p.Bus().Subscribe(1 << 16)
	counted := make(chan struct{})
	go func() {
		defer close(counted)
		for e := range countSub.Events() {
			tally.event(e)
		}
	}()

	rss := newSoakRSS()
	stopRSS := rss.sample(100 * time.Millisecond)
	sum := flow.NewSummary()
	var sumMu sync.Mutex
	req := p.Compose()
	run := pipeLoad(ctx, c, count, 0, func(f float64) {
		if f >= soakWarmUp {
			rss.warm()
		}
		if o.Progress != nil {
			o.Progress("calls", f)
		}
	}, func() error {
		call := p.Place(ctx, req)
		tally.reported(call)
		sumMu.Lock()
		sum.Add(call)
		sumMu.Unlock()
		return nil
	})
	stopRSS()
	settleCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	settleErr := p.Settle(settleCtx)
	cancel()
	p.Close()
	closed = true
	<-counted
	rec.Wait()
	closeErr := rec.Close()
	notRecorded := recSub.Dropped() + rec.Lost()

	res := run.result("soak", fmt.Sprintf("%s calls at c=%d through the five stages, counted at every hop", flow.FormatCount(uint64(count)), c), "calls")
	res.Target = "0 lost, 0 duplicated, RSS flat"
	res.Stages = pipeStages(sum)
	res.Trace = path
	res.Counts = tally.counts(count)
	res.Counts["not_counted"] = int64(countSub.Dropped())
	res.Counts["not_recorded"] = int64(notRecorded)
	res.Counts["trace_events"] = int64(rec.Written())
	first, last := rss.quarters()
	liveFirst, liveLast := rss.liveQuarters()
	res.Extra = map[string]string{"concurrency": strconv.Itoa(c), "rss_first_quarter_bytes": strconv.FormatInt(first, 10),
		"rss_last_quarter_bytes": strconv.FormatInt(last, 10), "rss_samples": strconv.Itoa(rss.len()),
		"heap_live_first_quarter_bytes": strconv.FormatInt(liveFirst, 10), "heap_live_last_quarter_bytes": strconv.FormatInt(liveLast, 10)}
	flat := last <= first+max(int64(float64(first)*soakRSSSlack), soakRSSMinSlack)
	res.Notes = append(res.Notes, fmt.Sprintf("RSS %s in the first quarter, %s in the last (median of %d samples after the first tenth of the calls): %s; live heap after the last GC %s, then %s",
		soakMiB(first), soakMiB(last), rss.len(), map[bool]string{true: "flat", false: "GROWING"}[flat], soakMiB(liveFirst), soakMiB(liveLast)),
		fmt.Sprintf("sent %d, answered by APNs %d, delivered %d, received by the NSE %d, reported %d; lost %d, duplicated %d",
			res.Counts["sent"], res.Counts["answered"], res.Counts["delivered"], res.Counts["received"], res.Counts["reported"],
			res.Counts["lost"], res.Counts["duplicated"]))
	if inAll != "" {
		res.Notes = append(res.Notes, inAll)
	}
	if rss.len() < 8 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("only %d RSS samples: too short a run to call the memory flat", rss.len()))
	}
	if settleErr != nil {
		res.Warnings = append(res.Warnings, "the run did not settle: "+settleErr.Error())
	}
	if closeErr != nil {
		res.Warnings = append(res.Warnings, "trace: "+closeErr.Error())
	}
	if notRecorded > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("the trace lacks %d events (the disk fell behind)", notRecorded))
	}
	if n := countSub.Dropped(); n > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d events were not counted (the counter fell behind): the counts are short", n))
	}
	met := res.Counts["lost"] == 0 && res.Counts["duplicated"] == 0 && flat && notRecorded == 0 && countSub.Dropped() == 0 &&
		settleErr == nil && closeErr == nil && res.Counts["connected"] == int64(count)
	res.Met = &met
	if o.DropTrace {
		if err := os.Remove(path); err == nil {
			res.Trace = ""
			res.Notes = append(res.Notes, "trace removed after counting (bench all without --trace-dir); `callscope bench soak` or --trace-dir keeps it")
		}
	}
	// A call lost or counted twice, or a trace that lacks events, is what
	// the soak exists to catch: it fails the run, not only the target.
	if lost, dup := res.Counts["lost"], res.Counts["duplicated"]; lost > 0 || dup > 0 || notRecorded > 0 || countSub.Dropped() > 0 ||
		settleErr != nil || closeErr != nil {
		res.Error = fmt.Sprintf("not every call accounted for: %d lost, %d duplicated, %d events not in the trace, %d not counted%s",
			lost, dup, notRecorded, countSub.Dropped(), map[bool]string{true: ", the run did not settle", false: ""}[settleErr != nil])
	}
	return res, nil
}

func soakMiB(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MiB" }
