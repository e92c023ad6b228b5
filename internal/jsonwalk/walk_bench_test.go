package jsonwalk

import (
	"strings"
	"testing"
)

// BenchmarkWalker reads a push's payload as the device's fast path does:
// aps's members, the traceparent, the envelope kept raw.
func BenchmarkWalker(b *testing.B) {
	p := []byte(`{"aps":{"alert":{"title":"New message","body":"Open to read"},"mutable-content":1,"sound":"default"},"vpe":{"v":1,"alg":"hpke-x25519-sha256-chacha20poly1305","kid":"Bt5gdY3tWqk","ts":1764637200,"ttl":60,"ct":"` +
		strings.Repeat("A", 600) + `"},"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}`)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		s := New(p)
		ok := s.Object(func(key string) bool {
			switch key {
			case "aps":
				return s.Object(func(key string) bool {
					if key == "mutable-content" {
						_, ok := s.Integer()
						return ok
					}
					return s.Other(key, "mutable-content")
				})
			case "traceparent":
				_, ok := s.PlainString()
				return ok
			}
			return s.Other(key, "aps", "traceparent")
		})
		if !ok || !s.Done() {
			b.Fatal("declined")
		}
	}
}
