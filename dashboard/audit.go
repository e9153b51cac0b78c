package dashboard

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// AuditHash is the hash that chains an entry to the one before it:
// SHA-256 over the previous hash and every field, each length-prefixed so
// no two different entries hash alike. The first entry's PrevHash is "".
func AuditHash(a Audit) string {
	h := sha256.New()
	for _, f := range []string{
		a.PrevHash,
		strconv.FormatInt(a.Seq, 10),
		a.At.UTC().Format(time.RFC3339Nano),
		a.Actor, a.Action, a.Subject,
		string(a.Before), string(a.After),
	} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}
