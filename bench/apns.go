package bench

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/sideshow/apns2"

	"github.com/callscope/callscope/transport/apns"
)

func init() {
	Benchmarks = append(Benchmarks, Benchmark{Name: "apns",
		What:     "apns2 → callscope mock-apns --headless (a separate process, default log), valid pushes, vs a do-nothing Go HTTP/2 TLS server",
		Target:   "ratio ≥ 0.9",
		Baseline: apnsBaselineWhat,
		Run:      runAPNs})
}

const (
	benchKeyID = "BENCHKEY01"
	benchTeam  = "BENCHTEAM1"
	benchTopic = "org.example.callscope.bench"

	apnsTarget       = 0.9
	apnsDefaultTime  = 5 * time.Second // each side's, all rounds
	apnsDefaultConc  = 64
	apnsSlice        = 250 * time.Millisecond // one side's turn: short, so that noise falls on both
	apnsMinRounds    = 4
	apnsWarmup       = 2000
	apnsMinSamples   = 2000
	apnsUnit         = "pushes"
	apnsBaselineWhat = "apns2 → Go net/http HTTP/2 TLS server doing nothing (callscope bench-baseline, a separate process)"
)

// runAPNs starts the mock as users run it (`callscope mock-apns --headless`,
// its default log drained from a pipe) and the baseline (`callscope
// bench-baseline`), each a process of its own, and drives them with apns2
// in alternating rounds, mock first then baseline first, so that the
// machine's noise falls on both.
func runAPNs(ctx context.Context, o Options) (Result, error) {
	if o.Exe == "" {
		return Result{}, errors.New("bench apns: no callscope binary to start the mock from (Options.Exe)")
	}
	conc := o.Concurrency
	if conc <= 0 {
		conc = apnsDefaultConc
	}
	each := o.Duration // the mock's, and the baseline's as long
	if each <= 0 {
		each = apnsDefaultTime
	}
	dir, err := os.MkdirTemp("", "callscope-bench-apns-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	key, err := apns.GenerateKey()
	if err != nil {
		return Result{}, err
	}
	p8, ca := filepath.Join(dir, "bench.p8"), filepath.Join(dir, "ca.pem")
	if err := apns.WriteP8(p8, key); err != nil {
		return Result{}, err
	}

	mock, err := startServer(ctx, "mock-apns", o.Exe, "mock-apns", "--headless", "--listen", "127.0.0.1:0", "--device-link", "",
		"--ca-out", ca, "--provider-key", benchKeyID+":"+benchTeam+":"+p8, "--topic", benchTopic)
	if err != nil {
		return Result{}, fmt.Errorf("bench apns: %w", err)
	}
	var mockExit []string
	defer func() {
		if mockExit == nil {
			mock.stop()
		}
	}()
	base, err := startServer(ctx, "baseline", o.Exe, "bench-baseline", "--listen", "127.0.0.1:0")
	if err != nil {
		return Result{}, fmt.Errorf("bench apns: the baseline could not run, so there is no ratio: %w", err)
	}
	defer base.stop()

	roots, err := loadCA(ca)
	if err != nil {
		return Result{}, fmt.Errorf("bench apns: the mock's CA: %w", err)
	}
	mc, err := newAPNsClient(mock.url, key, roots)
	if err != nil {
		return Result{}, err
	}
	baseRoots, err := peerRoots(base.url)
	if err != nil {
		return Result{}, fmt.Errorf("bench apns: the baseline could not run, so there is no ratio: %w", err)
	}
	bc, err := newAPNsClient(base.url, key, baseRoots)
	if err != nil {
		return Result{}, err
	}

	sides := []*side{{srv: mock, client: mc, hist: newHist()}, {srv: base, client: bc, hist: newHist()}}
	for _, s := range sides {
		// Warm-up: connections made, the token verified, the heap grown.
		if _, _, err := drive(ctx, s.client, conc, time.Now().Add(time.Minute), apnsWarmup, newHist()); err != nil {
			return Result{}, fmt.Errorf("bench apns: warming up %s: %w", s.srv.name, err)
		}
	}
	rounds := max(apnsMinRounds, int(each/apnsSlice))
	slice := each / time.Duration(rounds)
	var count int64
	if o.Count > 0 {
		rounds = apnsMinRounds
		slice, count = time.Hour, max(1, int64(o.Count)/int64(rounds))
	}
	for r := range rounds {
		for i := range sides {
			s := sides[(i+r)%2] // mock first, then baseline first, …
			if o.Progress != nil {
				o.Progress(s.srv.name, float64(2*r+i)/float64(2*rounds))
			}
			if err := s.run(ctx, conc, slice, count); err != nil {
				return Result{}, fmt.Errorf("bench apns: %s: %w", s.srv.name, err)
			}
		}
	}
	if o.Progress != nil {
		o.Progress("done", 1)
	}
	mr, br := sides[0].result(), sides[1].result()
	mockExit = mock.stop()
	mr.Name, mr.What, mr.Target = "apns", "apns2 → callscope mock-apns --headless (separate process, default log), valid pushes, c="+fmt.Sprint(conc), "ratio ≥ 0.9"
	br.Name, br.What = "apns-baseline", apnsBaselineWhat
	mr.Baseline = &br
	if br.PerSecond > 0 {
		ratio := mr.PerSecond / br.PerSecond
		met := ratio >= apnsTarget
		mr.Ratio, mr.Met = &ratio, &met
	}
	mr.Notes = append(mr.Notes, fmt.Sprintf("%d alternating rounds per side, %d pushes in flight; CPU, allocations and peak RSS are the server process's (/proc; allocations counted by the process between rounds)", rounds, conc))
	if l, err := os.ReadFile("/proc/loadavg"); err == nil {
		mr.Notes = append(mr.Notes, "load average at the end: "+strings.Join(strings.Fields(string(l))[:3], " "))
	}
	mr.Counts = map[string]int64{"mock_log_bytes": mock.logged}
	for _, l := range mockExit {
		if strings.Contains(l, "not logged") || strings.Contains(l, "⚠") {
			mr.Warnings = append(mr.Warnings, "mock-apns: "+l)
		}
	}
	for _, s := range sides {
		if s.ops < apnsMinSamples {
			mr.Warnings = append(mr.Warnings, fmt.Sprintf("%s: only %d pushes measured (fewer than %d): the numbers are noise", s.srv.name, s.ops, apnsMinSamples))
		}
		mr.Warnings = append(mr.Warnings, s.warnings...)
	}
	return mr, nil
}

// side is one server and what was measured against it.
type side struct {
	srv      *server
	client   *apns2.Client
	hist     *hdrhistogram.Histogram
	ops      int64
	elapsed  time.Duration
	cpu      time.Duration
	allocs   uint64 // heap objects the server allocated in the rounds
	noAllocs error  // why allocs is not known, once
	warnings []string
}

// run drives one round: for slice, or count pushes.
func (s *side) run(ctx context.Context, conc int, slice time.Duration, count int64) error {
	a0, aerr := s.srv.allocCount()
	cpu0, cerr := s.srv.cpuTime()
	n, el, err := drive(ctx, s.client, conc, time.Now().Add(slice), count, s.hist)
	if err != nil {
		return err
	}
	cpu1, cerr2 := s.srv.cpuTime()
	a1, aerr2 := s.srv.allocCount()
	if err := errors.Join(aerr, aerr2); err != nil {
		s.noAllocs = cmp.Or(s.noAllocs, err)
	} else {
		s.allocs += a1 - a0
	}
	if cerr == nil && cerr2 == nil {
		s.cpu += cpu1 - cpu0
	} else if len(s.warnings) == 0 {
		s.warnings = append(s.warnings, fmt.Sprintf("%s: no CPU time: %v", s.srv.name, errors.Join(cerr, cerr2)))
	}
	s.ops += n
	s.elapsed += el
	return nil
}

func (s *side) result() Result {
	l := LatencyOf(s.hist)
	r := Result{Ops: s.ops, Unit: apnsUnit, Seconds: s.elapsed.Seconds(), Latency: &l}
	if s.elapsed > 0 {
		r.PerSecond = float64(s.ops) / s.elapsed.Seconds()
	}
	if s.ops > 0 {
		r.CPUPerOpNS = float64(s.cpu.Nanoseconds()) / float64(s.ops)
	}
	if s.noAllocs != nil {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s: no allocations per push: %v", s.srv.name, s.noAllocs))
	} else if s.ops > 0 {
		a := float64(s.allocs) / float64(s.ops)
		r.AllocsPerOp = &a
	}
	if rss, err := s.srv.peakRSS(); err == nil {
		r.PeakRSS = rss
	} else {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s: no peak RSS: %v", s.srv.name, err))
	}
	return r
}

func loadCA(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate", path)
	}
	return pool, nil
}
