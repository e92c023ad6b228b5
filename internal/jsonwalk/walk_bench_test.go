package jsonwalk

import (
	"encoding/json"
	"strings"
	"testing"
)

var benchPayload = []byte(`{"aps":{"alert":{"title":"New message","body":"Open to read"},"mutable-content":1,"sound":"default"},"vpe":{"v":1,"alg":"hpke-x25519-sha256-chacha20poly1305","kid":"Bt5gdY3tWqk","ts":1764637200,"ttl":60,"ct":"` +
	strings.Repeat("A", 600) + `"},"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}`)

// BenchmarkValid: Valid against json.Valid on a push's payload.
func BenchmarkValid(b *testing.B) {
	b.Run("Valid", func(b *testing.B) {
		b.SetBytes(int64(len(benchPayload)))
		for b.Loop() {
			Valid(benchPayload)
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		b.SetBytes(int64(len(benchPayload)))
		for b.Loop() {
			json.Valid(benchPayload)
		}
	})
}

// BenchmarkWalker reads a push's payload as the device's fast path does:
// aps's members, the traceparent, the envelope kept raw.
func BenchmarkWalker(b *testing.B) {
	p := benchPayload
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
