package hub

import "encoding/base64"

func encodeSecret(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// DecodeSecret reads a kiosk secret as the pairing response encodes it.
func DecodeSecret(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
