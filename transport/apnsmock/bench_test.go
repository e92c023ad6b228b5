package apnsmock

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sideshow/apns2"
)

// BenchmarkThroughput drives the mock with apns2 at 64 pushes in flight, and,
// in the same run, a do-nothing Go HTTP/2 TLS handler the same way: the
// ratio of their pushes/s is the mock's cost. cpu-µs/push is the process's
// CPU time (client and server together) per push.
//
//	go test -run '^$' -bench Throughput -benchtime 20000x ./transport/apnsmock
func BenchmarkThroughput(b *testing.B) {
	payload := []byte(`{"aps":{"alert":{"title":"New message","body":"…"},"mutable-content":1},"e":"` + strings.Repeat("A", 600) + `"}`)
	b.Run("mock", func(b *testing.B) {
		f := newFixture(b, func(c *Config) { c.Sink = nil })
		benchPush(b, f.client(b), payload)
	})
	b.Run("baseline", func(b *testing.B) {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusOK)
		}))
		srv.EnableHTTP2 = true
		srv.StartTLS()
		defer srv.Close()
		f := newFixture(b, nil) // only for a client configured as the mock's
		c := f.client(b)
		c.Host = srv.URL
		c.HTTPClient.Transport.(*http.Transport).TLSClientConfig.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
		benchPush(b, c, payload)
	})
}

func benchPush(b *testing.B, c *apns2.Client, payload []byte) {
	// Warm up: connections made and, for the mock, the token verified.
	for i := 0; i < 64; i++ {
		if res, err := c.Push(&apns2.Notification{DeviceToken: testDevice, Topic: testTopic, Payload: payload}); err != nil || res.StatusCode != 200 {
			b.Fatalf("warm-up: %+v %v", res, err)
		}
	}
	var failed atomic.Int64
	cpu0 := cpuTime()
	b.SetParallelism(64 / max(1, runtime.GOMAXPROCS(0))) // 64 in flight
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := c.Push(&apns2.Notification{DeviceToken: testDevice, Topic: testTopic, Payload: payload})
			if err != nil || res.StatusCode != 200 {
				failed.Add(1)
			}
		}
	})
	b.StopTimer()
	elapsed := time.Since(start)
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d pushes failed", n)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "pushes/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/push")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
