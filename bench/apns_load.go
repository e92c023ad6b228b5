package bench

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/sideshow/apns2"

	"github.com/callscope/callscope/transport/apns"
)

// apnsPayload is a push as a calling app sends it: an alert the NSE
// rewrites (mutable-content), carrying an envelope's worth of ciphertext.
var apnsPayload = []byte(`{"aps":{"alert":{"title":"Incoming call","body":"…"},"mutable-content":1},"e":"` + strings.Repeat("A", 600) + `"}`)

// benchToken is a device token the mock accepts: with no --device listed,
// any well-formed token exists.
const benchToken = "5a1e0c3b9d7f24681357a9c0e2b4d6f8a0c2e4f6b8d0a1c3e5f7092b4d6f8a0c"

func newHist() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, int64(time.Minute/time.Microsecond), 3)
}

// newAPNsClient is apns2 as callscope send uses it, pointed at url and
// trusting roots.
func newAPNsClient(url string, key *ecdsa.PrivateKey, roots *x509.CertPool) (*apns2.Client, error) {
	return apns.NewClient(apns.Config{Host: url, KeyID: benchKeyID, TeamID: benchTeam, Key: key, RootCAs: roots, Timeout: 30 * time.Second})
}

// peerRoots trusts the certificate url presents: the baseline's is
// self-signed and its key never leaves the process.
func peerRoots(url string) (*x509.CertPool, error) {
	addr := strings.TrimPrefix(url, "https://")
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr,
		&tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}}) //nolint:gosec // only to read the certificate it then trusts
	if err != nil {
		return nil, err
	}
	defer c.Close()
	pool := x509.NewCertPool()
	for _, cert := range c.ConnectionState().PeerCertificates {
		pool.AddCert(cert)
	}
	return pool, nil
}

// push sends one valid push and checks for 200.
func push(c *apns2.Client) error {
	res, err := c.PushWithContext(context.Background(), &apns2.Notification{DeviceToken: benchToken, Topic: benchTopic,
		Payload: apnsPayload, PushType: apns2.PushTypeAlert})
	if err != nil {
		return err
	}
	if res.StatusCode != 200 {
		return fmt.Errorf("%d %s", res.StatusCode, res.Reason)
	}
	return nil
}

// drive keeps conc pushes in flight until deadline passes or count pushes
// were sent (count 0: no limit), recording each one's latency into h.
func drive(ctx context.Context, c *apns2.Client, conc int, deadline time.Time, count int64, h *hdrhistogram.Histogram) (int64, time.Duration, error) {
	var (
		sent, done atomic.Int64
		mu         sync.Mutex
		firstErr   error
		failed     atomic.Int64
		wg         sync.WaitGroup
	)
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := newHist()
			defer func() { mu.Lock(); h.Merge(local); mu.Unlock() }()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				if count > 0 && sent.Add(1) > count {
					return
				}
				t0 := time.Now()
				if err := push(c); err != nil {
					if failed.Add(1) == 1 {
						mu.Lock()
						firstErr = err
						mu.Unlock()
					}
					continue
				}
				_ = local.RecordValue(max(1, time.Since(t0).Microseconds()))
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if n := failed.Load(); n > 0 {
		return done.Load(), elapsed, fmt.Errorf("%d pushes failed (first: %v)", n, firstErr)
	}
	return done.Load(), elapsed, ctx.Err()
}
