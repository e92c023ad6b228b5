package preflight

import (
	"fmt"
	"time"

	"howett.net/plist"
)

// Info holds the Info.plist keys the checks read.
type Info struct {
	BundleID         string
	Executable       string
	MinimumOSVersion string
	BackgroundModes  []string
	Extension        *Extension
}

// Extension is an Info.plist's NSExtension dictionary.
type Extension struct {
	PointIdentifier string
	PrincipalClass  string
}

// ParseInfo reads an Info.plist in any of the formats Xcode writes (XML or
// binary). It decodes into a dictionary first so that a key of the wrong
// type is named in the error, which the library's typed decoding does not.
func ParseInfo(data []byte) (Info, error) {
	var raw map[string]any
	if _, err := plist.Unmarshal(data, &raw); err != nil {
		return Info{}, fmt.Errorf("not a readable property list: %w", err)
	}
	var info Info
	err := first(
		str(raw, "CFBundleIdentifier", &info.BundleID),
		str(raw, "CFBundleExecutable", &info.Executable),
		str(raw, "MinimumOSVersion", &info.MinimumOSVersion),
		strs(raw, "UIBackgroundModes", &info.BackgroundModes))
	if v, ok := raw["NSExtension"]; ok && err == nil {
		ext, isDict := v.(map[string]any)
		if !isDict {
			return Info{}, fmt.Errorf("NSExtension is %s, want a dictionary", plistType(v))
		}
		info.Extension = &Extension{}
		err = first(
			str(ext, "NSExtensionPointIdentifier", &info.Extension.PointIdentifier),
			str(ext, "NSExtensionPrincipalClass", &info.Extension.PrincipalClass))
		if err != nil {
			err = fmt.Errorf("NSExtension.%w", err)
		}
	}
	if err != nil {
		return Info{}, err
	}
	return info, nil
}

func str(d map[string]any, key string, dst *string) error {
	v, ok := d[key]
	if !ok {
		return nil
	}
	if *dst, ok = v.(string); !ok {
		return fmt.Errorf("%s is %s, want a string", key, plistType(v))
	}
	return nil
}

func strs(d map[string]any, key string, dst *[]string) error {
	v, ok := d[key]
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		return fmt.Errorf("%s is %s, want an array of strings", key, plistType(v))
	}
	*dst = []string{}
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			return fmt.Errorf("%s item %d is %s, want a string", key, i, plistType(e))
		}
		*dst = append(*dst, s)
	}
	return nil
}

// plistType names a decoded value's property list type.
func plistType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "a dictionary"
	case []byte:
		return "data"
	case time.Time:
		return "a date"
	}
	return "a number"
}

// first is the first error of errs: one line, naming one key.
func first(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
