package hubclient

import "encoding/base64"

func decodeSecret(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
