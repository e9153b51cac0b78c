package wire

import "crypto/tls"

// AEADCipherSuites returns the TLS 1.2 suites the hub offers and the kiosk accepts: ECDHE key
// exchange with AES-GCM or ChaCha20-Poly1305, no CBC or SHA-1 MAC suites.
// (TLS 1.3 suites are not configurable and all AEAD.)
func AEADCipherSuites() []uint16 {
	return []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	}
}
