package tomlfile

import (
	"bytes"
	"errors"
	"reflect"
	"strconv"

	"github.com/BurntSushi/toml"
)

// errProbe is what a probe returns, so that the decoder reports where it
// stood: BurntSushi/toml records every key's position but does not export
// it (BurntSushi/toml issue 462); a ParseError from a field's own
// UnmarshalTOML carries it.
var errProbe = errors.New("callscope: probe")

type probe struct{}

func (probe) UnmarshalTOML(any) error { return errProbe }

// KeyLine is the line (from 1) where the parser met key k in data, as the
// parser sees it: dotted keys, quoted keys, inline tables and [table]
// headers alike. It is 0 when data has no such key or does not parse.
// It decodes data once per call: meant for the few keys a message names.
func KeyLine(data []byte, k toml.Key) int {
	if len(k) == 0 {
		return 0
	}
	t := reflect.TypeFor[probe]()
	for i := len(k) - 1; i >= 0; i-- {
		t = reflect.StructOf([]reflect.StructField{{
			Name: "F",
			Type: t,
			Tag:  reflect.StructTag("toml:" + strconv.Quote(k[i])),
		}})
	}
	_, err := toml.Decode(string(data), reflect.New(t).Interface())
	var pe toml.ParseError
	if !errors.As(err, &pe) || pe.Message != errProbe.Error() {
		return 0
	}
	// The line is where the value ends (a multi-line string's last line);
	// its start is on the key's line.
	if start := pe.Position.Start; start > 0 && start <= len(data) {
		return 1 + bytes.Count(data[:start], []byte("\n"))
	}
	return pe.Position.Line
}
