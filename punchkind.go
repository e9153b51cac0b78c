package clockface

import (
	"fmt"
	"strings"
)

// ParsePunchKind reads a punch kind as people type it: in, out,
// break-start, break-end (or with an underscore), in any case.
func ParsePunchKind(s string) (PunchKind, error) {
	k := PunchKind(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_"))
	if !k.Valid() {
		return "", fmt.Errorf("unknown kind %q: want in, out, break-start or break-end", s)
	}
	return k, nil
}

// Verb says what a punch of kind k did, for people: "clocked in".
func (k PunchKind) Verb() string {
	switch k {
	case PunchIn:
		return "clocked in"
	case PunchOut:
		return "clocked out"
	case BreakStart:
		return "started a break"
	case BreakEnd:
		return "ended a break"
	}
	return string(k)
}
