package hub_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"clockface/sync/hub"
	"clockface/sync/wire"
)

// BenchmarkApplyBatch stores one 500-punch batch per op (one transaction).
func BenchmarkApplyBatch(b *testing.B) {
	for _, sc := range stores {
		b.Run(sc.name, func(b *testing.B) {
			ctx := context.Background()
			st := sc.open(b)
			newHub(b, st).pair(b, "k1")
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				batch := makeBatch("k1", "E1", t0, wire.MaxBatchEvents, int64(i*wire.MaxBatchEvents))
				if _, err := st.ApplyBatch(ctx, hub.Receipt{KioskID: "k1", Nonce: wire.NewNonce(), HubTime: t0, Batch: batch}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(wire.MaxBatchEvents)*float64(b.N)/b.Elapsed().Seconds(), "punches/s")
		})
	}
}

// BenchmarkVerifyDecode checks the signature of and decodes one 500-event
// batch: the hub's CPU work before the database.
func BenchmarkVerifyDecode(b *testing.B) {
	secret := make([]byte, 32)
	body := mustJSON(b, makeBatch("k1", "E1", t0, wire.MaxBatchEvents, 0))
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/v1/batches", nil)
	wire.Sign(req, body, "k1", secret, t0, wire.NewNonce())
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		p, err := wire.ParseSignature(req.Header)
		if err != nil {
			b.Fatal(err)
		}
		if err := wire.Verify(req, body, p, secret); err != nil {
			b.Fatal(err)
		}
		if _, err := wire.DecodeBatch(bytes.NewReader(body), wire.MaxBatchBytes); err != nil {
			b.Fatal(err)
		}
	}
}
