package contracts_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
)

// identity is a test client: an MSP ID, a certificate CN and an optional govchain.role
// carried in the Fabric CA attribute extension, like a real enrolment.
type identity struct {
	msp, cn, role string
}

var (
	registrar       = identity{domain.MarketMSP, "registrar@market", domain.RoleRegistrar}
	registrar2      = identity{domain.MarketMSP, "registrar2@market", domain.RoleRegistrar}
	marketFinance   = identity{domain.MarketMSP, "finance@market", domain.RoleFinance}
	marketFinance2  = identity{domain.MarketMSP, "finance2@market", domain.RoleFinance}
	marketDepositor = identity{domain.MarketMSP, "depositor@market", domain.RoleDepositor}
	marketAdmin     = identity{domain.MarketMSP, "admin@market", ""}
	taxIssuer       = identity{domain.TaxMSP, "issuer@tax", domain.RoleInvoiceIssuer}
	taxFinance      = identity{domain.TaxMSP, "finance@tax", domain.RoleFinance}
	taxDepositor    = identity{domain.TaxMSP, "depositor@tax", domain.RoleDepositor}
	taxRegistrar    = identity{domain.TaxMSP, "registrar@tax", domain.RoleRegistrar}
	notary          = identity{domain.NotaryMSP, "notary@notary", domain.RoleNotary}
	notaryFinance   = identity{domain.NotaryMSP, "finance@notary", domain.RoleFinance}
	notaryDepositor = identity{domain.NotaryMSP, "depositor@notary", domain.RoleDepositor}
	auditor         = identity{domain.AuditMSP, "auditor@audit", domain.RoleAuditor}
	auditAdmin      = identity{domain.AuditMSP, "admin@audit", ""}
	outsider        = identity{"Org9MSP", "registrar@org9", domain.RoleRegistrar}
)

var (
	creatorsMu sync.Mutex
	creators   = map[identity][]byte{}
)

// creator returns the serialized identity (msp.SerializedIdentity with a PEM certificate)
// that the peer would hand the chaincode as GetCreator.
func (id identity) creator(t testing.TB) []byte {
	t.Helper()
	creatorsMu.Lock()
	defer creatorsMu.Unlock()
	if b, ok := creators[id]; ok {
		return b
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: id.cn, Organization: []string{id.msp}},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	if id.role != "" {
		attrs, _ := json.Marshal(map[string]map[string]string{"attrs": {domain.RoleAttribute: id.role}})
		tmpl.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4, 5, 6, 7, 8, 1}, Value: attrs}}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := proto.Marshal(&msp.SerializedIdentity{
		Mspid:   id.msp,
		IdBytes: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
	})
	if err != nil {
		t.Fatal(err)
	}
	creators[id] = b
	return b
}
