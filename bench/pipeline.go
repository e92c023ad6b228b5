package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/callscope/callscope/flow"
	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/flow/pipeline"
)

func init() {
	Benchmarks = append(Benchmarks, Benchmark{
		Name:     "pipeline",
		What:     "full call through the five stages (simulated delays off) vs its parts measured alone",
		Target:   fmt.Sprintf("p50 ≤ 1 ms at c=1; ≥ %s calls/s at c=64", flow.FormatCount(pipeTargetRate)),
		Baseline: "its parts measured alone: seal + simulated iPhone, one provider HTTP hop, one APNs HTTP/2 hop",
		Stages:   append(stageNames(), "total c=1"),
		Run:      runPipeline,
	})
}

// stageNames are the five stages' names, as Result.Stages keys them.
func stageNames() []string {
	out := make([]string, len(flow.Stages))
	for i, st := range flow.Stages {
		out[i] = string(st)
	}
	return out
}

// The targets for the full call.
const (
	pipeTargetP50  = 1000 // µs, at c=1
	pipeTargetRate = 5000 // calls/s, at c=64
	pipeDefaultC   = 64
	// pipeDefaultDuration is the whole benchmark's length when neither
	// --duration nor --count is given: bench all stays under two minutes.
	pipeDefaultDuration = 10 * time.Second
	// pipeMinSamples: fewer and percentiles say little.
	pipeMinSamples = 200
)

// pipePlan is how long or how many each phase runs: the full call at c=1
// (a fifth), the full call at c (two fifths), and the three parts (two
// fifths, shared). With --count, the c phase runs Count calls and the
// others a tenth of that each.
type pipePlan struct {
	c              int
	count1, countC int
	d1, dC, dPart  time.Duration
}

func pipePlanFor(o Options) pipePlan {
	p := pipePlan{c: o.Concurrency}
	if p.c <= 0 {
		p.c = pipeDefaultC
	}
	if o.Count > 0 {
		p.countC, p.count1 = o.Count, max(1, o.Count/10)
		return p
	}
	d := o.Duration
	if d <= 0 {
		d = pipeDefaultDuration
	}
	p.d1, p.dC, p.dPart = d/5, 2*d/5, 2*d/15
	return p
}

func runPipeline(ctx context.Context, o Options) (Result, error) {
	plan := pipePlanFor(o)
	defer pipeline.LoadGC()() // as send runs
	progress := func(phase string, from, span float64) func(float64) {
		if o.Progress == nil {
			return nil
		}
		return func(f float64) { o.Progress(phase, from+span*f) }
	}
	prof := device.DefaultProfile()
	prof.MaximumCallGroups = 2 * plan.c // a load run: many callers ring one callee (F-25 lifted)
	// The zero Config runs the devices on a virtual clock: the simulated
	// waits (app launch, the callee answering) take no wall time.
	p, err := pipeline.New(ctx, pipeline.Config{Profile: prof})
	if err != nil {
		return Result{}, err
	}
	defer p.Close()
	req := p.Compose()
	sum := flow.NewSummary()
	var sumMu sync.Mutex
	call := func() error {
		c := p.Place(ctx, req)
		if c.Outcome != flow.OutcomeConnected {
			return fmt.Errorf("a call ended %s: %v", c.Outcome, c.Diag)
		}
		sumMu.Lock()
		sum.Add(c)
		sumMu.Unlock()
		return nil
	}
	// Warm the connections, the caller's key directory and the heap.
	for range 20 {
		if err := call(); err != nil {
			return Result{}, err
		}
	}
	sum = flow.NewSummary()

	one := pipeLoad(ctx, 1, plan.count1, plan.d1, progress("full call, c=1", 0, 0.2), call)
	if one.err != nil {
		return Result{}, fmt.Errorf("full call at c=1: %w", one.err)
	}
	sum = flow.NewSummary() // the stages are those of the c run
	full := pipeLoad(ctx, plan.c, plan.countC, plan.dC, progress("full call, c="+strconv.Itoa(plan.c), 0.2, 0.4), call)
	if full.err != nil {
		return Result{}, fmt.Errorf("full call at c=%d: %w", plan.c, full.err)
	}
	res := full.result("pipeline", "full call, five stages, simulated delays off, c="+strconv.Itoa(plan.c), "calls")
	res.Target = fmt.Sprintf("p50 ≤ 1 ms at c=1; ≥ %s calls/s at c=%d", flow.FormatCount(pipeTargetRate), plan.c)
	res.Stages = pipeStages(sum)
	l1 := one.latency()
	res.Stages["total c=1"] = *l1
	res.Extra = map[string]string{"concurrency": strconv.Itoa(plan.c), "c1_p50_us": strconv.FormatFloat(l1.P50, 'f', 0, 64),
		"c1_calls_per_second": strconv.FormatFloat(one.perSecond(), 'f', 1, 64)}
	res.Notes = append(res.Notes, fmt.Sprintf("c=1: %s calls, p50 %s; c=%d: %s calls/s, CPU %s per call over every stage",
		flow.FormatCount(uint64(one.ops)), flow.FormatDuration(Duration(l1.P50)), plan.c, strconv.FormatFloat(res.PerSecond, 'f', 0, 64),
		flow.FormatDuration(time.Duration(res.CPUPerOpNS))))
	met := l1.P50 <= pipeTargetP50 && res.PerSecond >= pipeTargetRate
	res.Met = &met
	for _, r := range []pipeRun{one, full} {
		if r.ops < pipeMinSamples {
			res.Warnings = append(res.Warnings, fmt.Sprintf("only %d calls in a phase (under %d): percentiles are rough", r.ops, pipeMinSamples))
			break
		}
	}

	base, err := pipeBaseline(ctx, plan, progress)
	if err != nil {
		// No baseline, no ratio: the run says why and fails.
		res.Warnings = append(res.Warnings, "baseline failed: "+err.Error())
		return res, fmt.Errorf("pipeline baseline (the parts alone): %w", err)
	}
	res.Baseline = base
	if base.PerSecond > 0 {
		ratio := res.PerSecond / base.PerSecond
		res.Ratio = &ratio
	}
	return res, nil
}

// pipeStages turns the summary's per-stage histograms into Result.Stages.
func pipeStages(sum *flow.Summary) map[string]Latency {
	out := map[string]Latency{}
	for _, st := range flow.Stages {
		_, n := sum.Percentile(st, 50)
		if n == 0 {
			if k := sum.Instant(st); k > 0 {
				out[string(st)] = Latency{Count: int64(k)} // instantaneous: no latency of its own
			}
			continue
		}
		q := func(p float64) float64 { d, _ := sum.Percentile(st, p); return float64(d.Microseconds()) }
		out[string(st)] = Latency{Count: n, P50: q(50), P95: q(95), P99: q(99), Max: q(100)}
	}
	return out
}

// pipeBaseline measures the parts alone at the same concurrency. Chained
// on the same cores, a call made only of its parts would take the sum of
// their times per operation: the baseline rate is one over that sum, and
// its c=1 latency the sum of the parts' p50s.
func pipeBaseline(ctx context.Context, plan pipePlan, progress func(string, float64, float64) func(float64)) (*Result, error) {
	parts, err := pipeParts(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, p := range parts {
			p.close()
		}
	}()
	base := &Result{Name: "pipeline parts", What: "seal + simulated iPhone, one provider HTTP hop, one APNs HTTP/2 hop, each alone",
		Unit: "calls", Stages: map[string]Latency{}}
	var perOp, p50, cpu, allocs float64
	for i, part := range parts {
		for range 5 { // warm connections
			if err := part.op(); err != nil {
				return nil, fmt.Errorf("%s: %w", part.name, err)
			}
		}
		r := pipeLoad(ctx, plan.c, plan.countC, plan.dPart, progress(part.name+" alone", 0.6+0.4*float64(i)/3, 0.4/3), part.op)
		if r.err != nil {
			return nil, fmt.Errorf("%s: %w", part.name, r.err)
		}
		if r.ops == 0 {
			return nil, errors.New(part.name + ": no operation finished")
		}
		one := pipeLoad(ctx, 1, plan.count1, plan.dPart/4, nil, part.op)
		if one.err != nil {
			return nil, fmt.Errorf("%s at c=1: %w", part.name, one.err)
		}
		l := r.latency()
		base.Stages[part.name] = *l
		base.Ops += r.ops
		base.Seconds += r.wall.Seconds()
		perOp += r.wall.Seconds() / float64(r.ops)
		p50 += one.latency().P50
		rr := r.result("", "", "")
		cpu += rr.CPUPerOpNS
		if rr.AllocsPerOp != nil {
			allocs += *rr.AllocsPerOp
		}
		base.Notes = append(base.Notes, fmt.Sprintf("%s: %s/s at c=%d, p50 %s at c=1", part.name,
			strconv.FormatFloat(r.perSecond(), 'f', 0, 64), plan.c, flow.FormatDuration(Duration(one.latency().P50))))
	}
	// The parts ran one after another, not as one call: the rate a call
	// made of them would have is derived from their measured times, and
	// no latency distribution is claimed for it.
	base.PerSecond = 1 / perOp
	base.Notes = append(base.Notes, fmt.Sprintf("rate: 1 / (sum of each part's time per operation at c=%d), from the parts measured alone; p50 at c=1: the parts' medians add up to %s",
		plan.c, flow.FormatDuration(Duration(p50))))
	base.Extra = map[string]string{"c1_p50_sum_us": strconv.FormatFloat(p50, 'f', 1, 64)}
	base.CPUPerOpNS, base.AllocsPerOp = cpu, &allocs
	base.PeakRSS = selfPeakRSS()
	return base, nil
}
