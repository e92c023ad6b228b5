package bench

import (
	"context"
	"crypto/ecdh"
	"crypto/hpke"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/crypto/nacl/box"

	"github.com/callscope/callscope/crypto/envelope"
	"github.com/callscope/callscope/crypto/keyring"
	"github.com/callscope/callscope/crypto/receiver"
	"github.com/callscope/callscope/crypto/scheme"
)

// The crypto benchmark: one call request sealed into an APNs payload and
// opened with every receiver check, per scheme, against bare single-shot
// seal+open of the same plaintext bytes with the same primitives. The two
// run in turn, one of each per step, so load that comes and goes on a
// shared machine falls on both alike.

const (
	cryptoMinRatio = 0.9
	cryptoMaxP50   = 200 * time.Microsecond
	// cryptoDefaultPerScheme is how long each scheme runs when neither
	// --count nor --duration says.
	cryptoDefaultPerScheme = 2 * time.Second
	// cryptoUsageOps is how many operations of each side are run alone,
	// after the timed part, to count allocations and CPU per operation
	// (one side at a time: interleaved, they could not be told apart).
	cryptoUsageOps = 200
)

func init() {
	Benchmarks = append(Benchmarks, Benchmark{
		Name:     "crypto",
		What:     "seal+open per scheme (envelope, APNs payload, receiver checks) vs bare single-shot seal+open",
		Target:   fmt.Sprintf("ratio ≥ %.1f per scheme; default scheme p50 ≤ %d µs", cryptoMinRatio, cryptoMaxP50.Microseconds()),
		Baseline: "bare single-shot crypto/hpke seal+open of the same plaintext (nacl/box for the sealed box)",
		Stages:   cryptoStages(),
		Run:      runCrypto,
	})
}

// cryptoCase is one scheme's two sides.
type cryptoCase struct {
	alg      string
	bareWhat string
	env      func() error
	bare     func() error
}

// cryptoStages are each scheme's two rows: the envelope's and the bare one.
func cryptoStages() []string {
	var out []string
	for _, alg := range scheme.Names() {
		out = append(out, cryptoRow(alg), cryptoRow(alg)+" bare")
	}
	return out
}

// cryptoRow is a scheme's short name for its table row and threshold
// subject (x25519, p256, sealedbox): the full names would make the table
// wider than a terminal. The notes name the scheme in full.
func cryptoRow(alg string) string {
	if f := strings.Split(alg, "-"); len(f) > 1 {
		return f[1]
	}
	return alg
}

// invitePlaintext is a typical call request: what callscope's caller seals.
func invitePlaintext() envelope.Plaintext {
	return envelope.Plaintext{Type: "call.invite", CallUUID: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F", Video: true,
		Caller: &envelope.Caller{Handle: "alice@example.org", HandleType: "email", Name: "Alice"}}
}

func newCryptoCase(alg string) (*cryptoCase, error) {
	key, err := keyring.Generate(alg, rand.Reader)
	if err != nil {
		return nil, err
	}
	token := make([]byte, 32)
	_, _ = rand.Read(token)
	to := envelope.Recipient{Scheme: alg, PublicKey: key.Public(), DeviceToken: token}
	// No replay cache: every open is a new envelope anyway, and the
	// cache's cost is the cache's, not the envelope's.
	cfg := receiver.Config{Ring: keyring.NewRing(key), DeviceToken: token}
	c := &cryptoCase{alg: alg, env: func() error {
		e, err := envelope.SealWith(rand.Reader, to, invitePlaintext(), envelope.SealOptions{})
		if err != nil {
			return err
		}
		_, err = receiver.Open(envelope.MarshalPayload(e), cfg)
		return err
	}}
	// The baseline seals exactly the bytes the envelope seals: the padded
	// plaintext JSON.
	e, err := envelope.SealWith(rand.Reader, to, invitePlaintext(), envelope.SealOptions{})
	if err != nil {
		return nil, err
	}
	o, err := receiver.Open(envelope.MarshalPayload(e), cfg)
	if err != nil {
		return nil, err
	}
	if c.bare, c.bareWhat, err = bareSealOpen(alg, o.Raw); err != nil {
		return nil, fmt.Errorf("baseline for %s: %w", alg, err)
	}
	return c, nil
}

// bareSealOpen is single-shot seal+open with the scheme's primitives and
// nothing else: crypto/hpke for the HPKE schemes; for sealed boxes, which
// crypto/hpke has no suite for, x/crypto/nacl/box's anonymous box.
func bareSealOpen(alg string, pt []byte) (func() error, string, error) {
	var kem hpke.KEM
	var aead hpke.AEAD
	switch alg {
	case scheme.NameX25519:
		kem, aead = hpke.DHKEM(ecdh.X25519()), hpke.ChaCha20Poly1305()
	case scheme.NameP256:
		kem, aead = hpke.DHKEM(ecdh.P256()), hpke.AES256GCM()
	case scheme.NameSealedBox:
		pub, priv, err := box.GenerateKey(rand.Reader)
		if err != nil {
			return nil, "", err
		}
		return func() error {
			ct, err := box.SealAnonymous(nil, pt, pub, rand.Reader)
			if err != nil {
				return err
			}
			if _, ok := box.OpenAnonymous(nil, ct, pub, priv); !ok {
				return fmt.Errorf("bare sealed box did not open")
			}
			return nil
		}, "bare x/crypto/nacl/box SealAnonymous+OpenAnonymous (crypto/hpke has no sealed-box suite)", nil
	default:
		return nil, "", fmt.Errorf("no bare baseline for scheme %q", alg)
	}
	kdf := hpke.HKDFSHA256()
	sk, err := kem.GenerateKey()
	if err != nil {
		return nil, "", err
	}
	pk := sk.PublicKey()
	return func() error {
		ct, err := hpke.Seal(pk, kdf, aead, envelope.Info, pt)
		if err != nil {
			return err
		}
		_, err = hpke.Open(sk, kdf, aead, envelope.Info, ct)
		return err
	}, "bare crypto/hpke single-shot Seal+Open", nil
}

// cryptoSide is what one side measured.
type cryptoSide struct {
	hist  *hdrhistogram.Histogram
	total time.Duration
	ops   int64
	use   Result // CPU and allocations per op, from the run alone
}

func (s *cryptoSide) rate() float64 {
	if s.total <= 0 {
		return 0
	}
	return float64(s.ops) / s.total.Seconds()
}

// runPairs runs env and bare in turn, workers at once, until n pairs ran
// (n > 0) or the deadline passed.
func (c *cryptoCase) runPairs(ctx context.Context, workers int, n int64, deadline time.Time, progress func(float64)) (env, bare *cryptoSide, err error) {
	env, bare = &cryptoSide{hist: newNSHist()}, &cryptoSide{hist: newNSHist()}
	var (
		mu       sync.Mutex
		started  atomic.Int64
		firstErr error
		wg       sync.WaitGroup
	)
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			e, b := &cryptoSide{hist: newNSHist()}, &cryptoSide{hist: newNSHist()}
			lastReport := time.Now()
			for i := 0; ; i++ {
				if ctx.Err() != nil {
					break
				}
				if n > 0 && started.Add(1) > n || n <= 0 && !time.Now().Before(deadline) {
					break
				}
				// Alternate which side goes first, so neither always runs
				// on caches the other warmed.
				first, second := e, b
				fa, sa := c.env, c.bare
				if i%2 == 1 {
					first, second, fa, sa = b, e, c.bare, c.env
				}
				t0 := time.Now()
				err1 := fa()
				t1 := time.Now()
				err2 := sa()
				t2 := time.Now()
				if err := cmpErr(err1, err2, first == e); err != nil {
					mu.Lock()
					firstErr = cmpOr(firstErr, err)
					mu.Unlock()
					break
				}
				for _, s := range []struct {
					side *cryptoSide
					d    time.Duration
				}{{first, t1.Sub(t0)}, {second, t2.Sub(t1)}} {
					recordNS(s.side.hist, s.d)
					s.side.total += s.d
					s.side.ops++
				}
				if w == 0 && progress != nil && t2.Sub(lastReport) > 50*time.Millisecond {
					lastReport = t2
					if n > 0 {
						progress(float64(min(started.Load(), n)) / float64(n))
					} else {
						progress(float64(t2.Sub(start)) / float64(deadline.Sub(start)))
					}
				}
			}
			mu.Lock()
			for _, p := range [][2]*cryptoSide{{env, e}, {bare, b}} {
				p[0].hist.Merge(p[1].hist)
				p[0].total += p[1].total
				p[0].ops += p[1].ops
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return env, bare, firstErr
}

// cmpErr names the side that failed: a baseline that fails means no ratio.
func cmpErr(err1, err2 error, envFirst bool) error {
	envErr, bareErr := err1, err2
	if !envFirst {
		envErr, bareErr = err2, err1
	}
	switch {
	case bareErr != nil:
		return fmt.Errorf("the baseline failed: %w", bareErr)
	case envErr != nil:
		return fmt.Errorf("seal+open failed: %w", envErr)
	}
	return nil
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// usage runs f alone ops times and says what it cost per operation.
func measureUsage(f func() error, ops int) (Result, error) {
	var r Result
	before := snapshotNow()
	for range ops {
		if err := f(); err != nil {
			return r, err
		}
	}
	snapshotNow().since(before).Apply(&r, int64(ops))
	return r, nil
}

func runCrypto(ctx context.Context, o Options) (Result, error) {
	algs := scheme.Names()
	perScheme := cryptoDefaultPerScheme
	if o.Duration > 0 {
		perScheme = o.Duration / time.Duration(len(algs))
	}
	workers := max(o.Concurrency, 1)
	var all []cryptoMeasured
	for i, alg := range algs {
		c, err := newCryptoCase(alg)
		if err != nil {
			return Result{}, err
		}
		var progress func(float64)
		if o.Progress != nil {
			progress = func(done float64) { o.Progress("crypto "+alg, (float64(i)+min(done, 1))/float64(len(algs))) }
		}
		env, bare, err := c.runPairs(ctx, workers, int64(o.Count), time.Now().Add(perScheme), progress)
		if err != nil {
			return Result{}, fmt.Errorf("crypto %s: %w", alg, err)
		}
		n := cryptoUsageOps
		if o.Count > 0 {
			n = min(n, o.Count)
		}
		if env.use, err = measureUsage(c.env, n); err != nil {
			return Result{}, fmt.Errorf("crypto %s: seal+open failed: %w", alg, err)
		}
		if bare.use, err = measureUsage(c.bare, n); err != nil {
			return Result{}, fmt.Errorf("crypto %s: the baseline failed: %w", alg, err)
		}
		all = append(all, cryptoMeasured{c, env, bare})
	}
	return cryptoResult(all, workers), nil
}
