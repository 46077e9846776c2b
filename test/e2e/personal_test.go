//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/proto"
)

// personalSecrets are every plain personal value this run wrote or offered for
// verification; the privacy proof searches for them.
var personalSecrets [][]byte

var residentSeq atomic.Int64

// newResidentID returns a valid GB 11643 number unique to this run (birth date and
// sequence vary), so that a hit in any file can only come from this run.
func newResidentID(t testing.TB) string {
	t.Helper()
	n := time.Now().UnixNano()/1e3 + residentSeq.Add(1)
	day := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(n%15000))
	body := fmt.Sprintf("350203%s%03d", day.Format("20060102"), (n/15000)%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

// newMobile returns a mobile number unique to this run.
func newMobile() string {
	return fmt.Sprintf("139%08d", (time.Now().UnixNano()/1e3+residentSeq.Add(1))%1e8)
}

func remember(values ...string) {
	for _, v := range values {
		personalSecrets = append(personalSecrets, []byte(v))
	}
}

func personalBusiness(t *testing.T, idNumber, mobile, home string) (string, resp) {
	t.Helper()
	u := newUSCC(t)
	body := businessBody(u, "Personal Data "+u)
	body["personal"] = map[string]any{"id_number": idNumber, "mobile": mobile, "home_address": home}
	remember(idNumber, mobile)
	return u, call(t, "POST", "/api/v1/businesses", key(t, "market", "registrar"), body)
}

func grantBody(record, grantee, purpose string, expires time.Time, fields ...string) map[string]any {
	return map[string]any{"record": record, "grantee": grantee, "fields": fields, "purpose": purpose,
		"purpose_detail": "e2e: check the legal representative", "expires_at": expires.UTC().Format(time.RFC3339)}
}

// personalRecord is the business created by testPersonalData (kept, never erased), for the
// privacy proof.
var personalRecord struct {
	uscc, id, mobile, tx string
}

func testPersonalData(t *testing.T) {
	registrar := key(t, "market", "registrar")
	taxFinance := key(t, "tax", "finance")
	notary := key(t, "notary", "notary")
	auditor := key(t, "audit", "auditor")
	id, mobile := newResidentID(t), newMobile()
	u, r := personalBusiness(t, id, mobile, "18 Lianhua Road, Siming, Xiamen")
	personalRecord.uscc, personalRecord.id, personalRecord.mobile = u, id, mobile
	personalRecord.tx, _ = r.JSON["transaction_id"].(string)
	var fieldHashes = map[string]string{}

	t.Run("registered with personal data: the public record keeps one salted hash per field", func(t *testing.T) {
		must(t, 201, r)
		created = append(created, "/api/v1/businesses/"+u)
		got := must(t, 200, call(t, "GET", "/api/v1/businesses/"+u, auditor, nil))
		if strings.Contains(string(got.Body), id) || strings.Contains(string(got.Body), mobile) {
			t.Fatalf("the public record shows a personal value: %s", got)
		}
		fields, _ := get(got.JSON, "personal.fields").([]any)
		if len(fields) != 3 {
			t.Fatalf("want 3 bound fields: %s", got)
		}
		for _, f := range fields {
			m := f.(map[string]any)
			fieldHashes[str(m, "field")] = str(m, "hash")
			if len(str(m, "hash")) != 64 || len(str(m, "stage_tx_id")) != 64 {
				t.Fatalf("a bound field needs hash and stage transaction: %v", m)
			}
		}
	})

	t.Run("refusals: nothing is written", func(t *testing.T) {
		u2 := newUSCC(t)
		body := businessBody(u2, "Refused "+u2)
		bad := id[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", id[17])+1)%11])
		body["personal"] = map[string]any{"id_number": bad}
		r := call(t, "POST", "/api/v1/businesses", registrar, body)
		if r.Status != 422 || r.ErrCode() != "UNPROCESSABLE" || strings.Contains(string(r.Body), bad) {
			t.Fatalf("a wrong check character is 422 and never echoed: %s", r)
		}
		body["personal"] = map[string]any{"id_number": id}
		if r := call(t, "POST", "/api/v1/businesses?async=true", registrar, body); r.Status != 400 {
			t.Fatalf("personal data is written synchronously only: %s", r)
		}
		absent("/api/v1/businesses/" + u2)(t)
		body = businessBody(u2, "Still refused "+u2)
		body["legal_representative"] = "Chen " + id
		if r := call(t, "POST", "/api/v1/businesses", registrar, body); r.Status != 422 {
			t.Fatalf("an ID number in an ordinary text field is still refused: %s", r)
		}
	})

	var grantID string
	t.Run("without a grant: 403 NO_GRANT, and the attempt is on the ledger", func(t *testing.T) {
		r := call(t, "GET", "/api/v1/businesses/"+u+"/personal?purpose=TAX_IDENTITY_CHECK&fields=id_number", taxFinance, nil)
		if r.Status != 403 || r.ErrCode() != "NO_GRANT" {
			t.Fatalf("want 403 NO_GRANT: %s", r)
		}
		acc := str(r.JSON, "error.access_id")
		rec := must(t, 200, call(t, "GET", "/api/v1/access-log/"+acc, auditor, nil))
		if str(rec.JSON, "outcome") != "DENIED" || str(rec.JSON, "accessor_org") != "TaxMSP" || str(rec.JSON, "accessor") != "finance" {
			t.Fatalf("the denied attempt must be recorded with its accessor: %s", rec)
		}
	})

	t.Run("the owner's registrar grants the tax bureau two fields", func(t *testing.T) {
		for _, c := range []struct {
			name   string
			key    string
			body   map[string]any
			status int
		}{
			{"longer than a year", registrar, grantBody(u, "TaxMSP", "TAX_IDENTITY_CHECK", time.Now().AddDate(1, 1, 0), "id_number"), 422},
			{"to itself", registrar, grantBody(u, "MarketMSP", "AUDIT", time.Now().AddDate(0, 1, 0), "id_number"), 422},
			{"by the auditor", auditor, grantBody(u, "TaxMSP", "TAX_IDENTITY_CHECK", time.Now().AddDate(0, 1, 0), "id_number"), 403},
			{"by another agency", key(t, "tax", "admin"), grantBody(u, "TaxMSP", "TAX_IDENTITY_CHECK", time.Now().AddDate(0, 1, 0), "id_number"), 403},
		} {
			if r := call(t, "POST", "/api/v1/grants", c.key, c.body); r.Status != c.status {
				t.Fatalf("%s: want %d, got %s", c.name, c.status, r)
			}
		}
		r := must(t, 201, call(t, "POST", "/api/v1/grants", registrar, grantBody(u, "TaxMSP", "TAX_IDENTITY_CHECK", time.Now().AddDate(0, 6, 0), "id_number", "mobile")))
		grantID = str(r.JSON, "id")
		list := must(t, 200, call(t, "GET", "/api/v1/grants?record="+u+"&grantee=TaxMSP", taxFinance, nil))
		if n := len(get(list.JSON, "records").([]any)); n != 1 {
			t.Fatalf("want the grant listed: %s", list)
		}
	})

	var accessID string
	t.Run("the grantee reads the values; they match the public hashes", func(t *testing.T) {
		r := must(t, 200, call(t, "GET", "/api/v1/businesses/"+u+"/personal?purpose=TAX_IDENTITY_CHECK&fields=id_number,mobile", taxFinance, nil))
		accessID = str(r.JSON, "access_id")
		if str(r.JSON, "fields.id_number.value") != id || str(r.JSON, "fields.mobile.value") != mobile {
			t.Fatalf("wrong values: %s", r)
		}
		if str(r.JSON, "fields.home_address.value") != "" {
			t.Fatalf("a field not asked for was delivered: %s", r)
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("personal data must not be cached")
		}
		for _, f := range []string{"id_number", "mobile"} {
			v, salt := str(r.JSON, "fields."+f+".value"), str(r.JSON, "fields."+f+".salt")
			sum := sha256.Sum256([]byte("govchain-pd/1\n" + f + "\n" + salt + "\n" + v))
			if hex.EncodeToString(sum[:]) != fieldHashes[f] {
				t.Fatalf("%s: the delivered value does not hash to the public record's hash", f)
			}
		}
		rec := must(t, 200, call(t, "GET", "/api/v1/access-log/"+accessID, registrar, nil))
		if str(rec.JSON, "outcome") != "GRANTED" || str(rec.JSON, "grant_id") != grantID || str(rec.JSON, "purpose") != "TAX_IDENTITY_CHECK" ||
			str(rec.JSON, "field_hashes.id_number") != fieldHashes["id_number"] {
			t.Fatalf("the access record must name grant, purpose and the value read: %s", rec)
		}
		tx := must(t, 200, call(t, "GET", "/api/v1/transactions/"+accessID, auditor, nil))
		if str(tx.JSON, "status") != "VALID" {
			t.Fatalf("the access record is a committed transaction: %s", tx)
		}
	})

	t.Run("outside the grant: another purpose, another field, another agency", func(t *testing.T) {
		for _, c := range []struct{ key, query string }{
			{taxFinance, "purpose=SOCIAL_INSURANCE&fields=id_number"},
			{taxFinance, "purpose=TAX_IDENTITY_CHECK&fields=home_address"},
			{notary, "purpose=TAX_IDENTITY_CHECK&fields=id_number"},
			{key(t, "market", "finance"), "purpose=REGISTRATION_MANAGEMENT&fields=id_number"},
		} {
			if r := call(t, "GET", "/api/v1/businesses/"+u+"/personal?"+c.query, c.key, nil); r.Status != 403 || r.ErrCode() != "NO_GRANT" {
				t.Fatalf("%s: want 403 NO_GRANT, got %s", c.query, r)
			}
		}
		if r := call(t, "GET", "/api/v1/businesses/"+u+"/personal?purpose=CURIOSITY&fields=id_number", taxFinance, nil); r.Status != 400 {
			t.Fatalf("an unknown purpose is 400: %s", r)
		}
	})

	t.Run("the owner's registrar reads its own record (logged)", func(t *testing.T) {
		r := must(t, 200, call(t, "GET", "/api/v1/businesses/"+u+"/personal?purpose=REGISTRATION_MANAGEMENT&fields=home_address", registrar, nil))
		if str(r.JSON, "basis") != "OWNER" {
			t.Fatalf("want basis OWNER: %s", r)
		}
	})

	t.Run("verify without disclosure, without a grant (logged)", func(t *testing.T) {
		wrong := newMobile()
		remember(wrong)
		for _, c := range []struct {
			value string
			match bool
		}{{mobile, true}, {wrong, false}} {
			r := must(t, 200, call(t, "POST", "/api/v1/businesses/"+u+"/personal/verify", notary, map[string]any{"field": "mobile", "value": c.value}))
			if r.JSON["match"] != c.match || len(str(r.JSON, "access_id")) != 64 {
				t.Fatalf("verify %v: %s", c.match, r)
			}
			if strings.Contains(string(r.Body), c.value) {
				t.Fatalf("the verification echoes the value: %s", r)
			}
		}
		if r := call(t, "POST", "/api/v1/businesses/"+u+"/personal/verify", auditor, map[string]any{"field": "id_number", "value": id}); r.Status != 200 || r.JSON["match"] != true {
			t.Fatalf("auditors may verify: %s", r)
		}
	})

	t.Run("revoked: the grantee is denied at once", func(t *testing.T) {
		if r := call(t, "DELETE", "/api/v1/grants/"+grantID, registrar, map[string]any{}); r.Status != 400 {
			t.Fatalf("a revocation needs a reason: %s", r)
		}
		must(t, 200, call(t, "DELETE", "/api/v1/grants/"+grantID, registrar, map[string]any{"reason": "check done"}))
		r := call(t, "GET", "/api/v1/businesses/"+u+"/personal?purpose=TAX_IDENTITY_CHECK&fields=id_number", taxFinance, nil)
		if r.Status != 403 || !strings.Contains(str(r.JSON, "error.message"), "REVOKED") {
			t.Fatalf("want NO_GRANT naming the revoked grant: %s", r)
		}
		hist := must(t, 200, call(t, "GET", "/api/v1/grants/"+grantID+"/history", auditor, nil))
		if n := len(get(hist.JSON, "entries").([]any)); n != 2 {
			t.Fatalf("the grant's history has its creation and revocation: %s", hist)
		}
	})

	t.Run("amended: the public history shows the hash change, the old value is gone", func(t *testing.T) {
		next := newMobile()
		remember(next)
		r := must(t, 200, call(t, "PATCH", "/api/v1/businesses/"+u+"/personal", registrar, map[string]any{"changes": map[string]any{"mobile": next}, "reason": "new number"}))
		am, _ := get(r.JSON, "amendments").([]any)
		last := am[len(am)-1].(map[string]any)
		ch := last["changes"].([]any)[0].(map[string]any)
		if ch["field"] != "personal.mobile" || ch["from"] != fieldHashes["mobile"] || len(str(ch, "to")) != 64 {
			t.Fatalf("the amendment must record the hash change: %v", last)
		}
		personalRecord.mobile = next
		o := must(t, 200, call(t, "GET", "/api/v1/businesses/"+u+"/personal?purpose=REGISTRATION_MANAGEMENT&fields=mobile", registrar, nil))
		if str(o.JSON, "fields.mobile.value") != next {
			t.Fatalf("the owner reads the new value: %s", o)
		}
	})

	t.Run("the trail by record, accessor and period; auditors and owner only see it all", func(t *testing.T) {
		all := must(t, 200, call(t, "GET", "/api/v1/access-log?record="+u+"&page_size=100", auditor, nil))
		recs := get(all.JSON, "records").([]any)
		outcomes := map[string]int{}
		for _, x := range recs {
			m := x.(map[string]any)
			outcomes[str(m, "kind")+"/"+str(m, "outcome")]++
		}
		if outcomes["READ/GRANTED"] < 3 || outcomes["READ/DENIED"] < 5 || outcomes["VERIFY/GRANTED"] < 3 {
			t.Fatalf("the trail misses accesses: %v", outcomes)
		}
		taxOnly := must(t, 200, call(t, "GET", "/api/v1/access-log?record="+u+"&accessor=TaxMSP&page_size=100", auditor, nil))
		for _, x := range get(taxOnly.JSON, "records").([]any) {
			if str(x.(map[string]any), "accessor_org") != "TaxMSP" {
				t.Fatalf("accessor filter: %v", x)
			}
		}
		first := str(recs[0].(map[string]any), "at")
		t0, _ := time.Parse(time.RFC3339, first)
		period := must(t, 200, call(t, "GET", "/api/v1/access-log?record="+u+"&from="+first+"&to="+t0.Add(time.Second).Format(time.RFC3339)+"&page_size=100", auditor, nil))
		for _, x := range get(period.JSON, "records").([]any) {
			if str(x.(map[string]any), "at") != first {
				t.Fatalf("a one-second period holds only that second: %v", x)
			}
		}
		if len(get(period.JSON, "records").([]any)) == 0 {
			t.Fatalf("the period of the first access is empty")
		}
		if r := call(t, "GET", "/api/v1/access-log?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", auditor, nil); r.Status != 400 {
			t.Fatalf("an empty period is 400: %s", r)
		}
		notarySees := must(t, 200, call(t, "GET", "/api/v1/access-log?record="+u+"&page_size=100", notary, nil))
		for _, x := range get(notarySees.JSON, "records").([]any) {
			if str(x.(map[string]any), "accessor_org") != "NotaryMSP" {
				t.Fatalf("an agency sees only its own accesses to another's record: %v", x)
			}
		}
		owner := must(t, 200, call(t, "GET", "/api/v1/access-log?record="+u+"&page_size=100", registrar, nil))
		if len(get(owner.JSON, "records").([]any)) != len(recs) {
			t.Fatalf("the owner sees every access to its record")
		}
		paged := must(t, 200, call(t, "GET", "/api/v1/access-log?record="+u+"&page_size=2", auditor, nil))
		if n := len(get(paged.JSON, "records").([]any)); n != 2 || str(paged.JSON, "bookmark") == "" {
			t.Fatalf("pages of 2 with a bookmark: %s", paged)
		}
		next := must(t, 200, call(t, "GET", "/api/v1/access-log?record="+u+"&page_size=2&bookmark="+str(paged.JSON, "bookmark"), auditor, nil))
		if str(get(next.JSON, "records").([]any)[0].(map[string]any), "id") != str(recs[2].(map[string]any), "id") {
			t.Fatalf("the second page continues the first")
		}
	})

	t.Run("every access and grant change is a chaincode event", func(t *testing.T) {
		evs := readEvents(t, "?start_block=0", "", func(evs []sseEvent) bool {
			return slices.ContainsFunc(evs, func(e sseEvent) bool { return e.TxID == accessID })
		}, 30*time.Second)
		names := map[string]bool{}
		for _, e := range evs {
			names[e.Name] = true
		}
		for _, n := range []string{"PersonalDataStaged", "GrantCreated", "PersonalDataAccessed"} {
			if !names[n] {
				t.Fatalf("no %s event on the stream (saw %v)", n, names)
			}
		}
	})

	t.Run("erasure: only once DEREGISTERED; values purged, hashes and trail remain", func(t *testing.T) {
		id2, m2 := newResidentID(t), newMobile()
		u2, r := personalBusiness(t, id2, m2, "1 Erasure Lane")
		must(t, 201, r)
		if r := call(t, "DELETE", "/api/v1/businesses/"+u2+"/personal", registrar, map[string]any{"reason": "too early"}); r.Status != 409 {
			t.Fatalf("erasure of an ACTIVE business is 409: %s", r)
		}
		must(t, 200, call(t, "GET", "/api/v1/businesses/"+u2+"/personal?purpose=REGISTRATION_MANAGEMENT&fields=id_number", registrar, nil))
		must(t, 200, call(t, "POST", "/api/v1/businesses/"+u2+"/status", registrar, map[string]any{"status": "DEREGISTERED", "reason": "dissolved"}))
		e := must(t, 200, call(t, "DELETE", "/api/v1/businesses/"+u2+"/personal", registrar, map[string]any{"reason": "purpose ended with deregistration"}))
		if str(e.JSON, "personal.erased.reason") == "" || len(get(e.JSON, "personal.fields").([]any)) != 3 {
			t.Fatalf("the record must show the erasure and keep its hashes: %s", e)
		}
		must(t, 200, call(t, "DELETE", "/api/v1/businesses/"+u2+"/personal", registrar, map[string]any{"reason": "again"}))
		if r := call(t, "GET", "/api/v1/businesses/"+u2+"/personal?purpose=REGISTRATION_MANAGEMENT&fields=id_number", registrar, nil); r.Status != 409 {
			t.Fatalf("erased data cannot be read: %s", r)
		}
		trail := must(t, 200, call(t, "GET", "/api/v1/access-log?record="+u2, auditor, nil))
		if len(get(trail.JSON, "records").([]any)) == 0 {
			t.Fatalf("the trail remains after erasure")
		}
	})
}

// testPrivacyProof fetches every block of the channel and searches it, and searches the
// data directories of every peer but the owner's, of the orderers, and every log file,
// for the personal values this run wrote: zero hits. The owner's peer does hold them.
func testPrivacyProof(t *testing.T) {
	if len(personalSecrets) == 0 || personalRecord.uscc == "" {
		t.Fatal("the personal-data story did not run")
	}
	t.Run("no block holds a personal value", func(t *testing.T) {
		blocks, raw := fetchBlocks(t)
		for _, s := range personalSecrets {
			if bytes.Contains(raw, s) {
				t.Fatalf("a block holds the personal value %s", s)
			}
		}
		t.Logf("searched %d blocks (%d bytes) for %d personal values: 0 hits", blocks, len(raw), len(personalSecrets))
	})
	owner := filepath.Join(h.data, "network", "nodes", "peer0.market")
	var places []string
	nodes, _ := filepath.Glob(filepath.Join(h.data, "network", "nodes", "*"))
	for _, n := range nodes {
		if n != owner {
			places = append(places, n)
		}
	}
	places = append(places, filepath.Join(h.data, "logs"), filepath.Join(h.root, "data", "test-logs"), filepath.Join(h.data, "gateway"))
	t.Run("no other agency's disk, no orderer, no log file holds one", func(t *testing.T) {
		files, size := 0, int64(0)
		for _, dir := range places {
			_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return nil
				}
				b, err := os.ReadFile(p)
				if err != nil {
					return nil
				}
				files++
				size += int64(len(b))
				for _, s := range personalSecrets {
					if bytes.Contains(b, s) {
						t.Errorf("%s holds the personal value %s", p, s)
					}
				}
				return nil
			})
		}
		t.Logf("searched %d files (%d MB) in %d places: 0 hits expected", files, size>>20, len(places))
	})
	t.Run("the owner's peer does hold them", func(t *testing.T) {
		found := map[string]bool{}
		_ = filepath.WalkDir(owner, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			b, _ := os.ReadFile(p)
			for _, v := range []string{personalRecord.id, personalRecord.mobile} {
				if bytes.Contains(b, []byte(v)) {
					found[v] = true
				}
			}
			return nil
		})
		if !found[personalRecord.id] || !found[personalRecord.mobile] {
			t.Fatalf("the owner's peer should hold the ID number and mobile on its disk: %v", found)
		}
	})
}

// fetchBlocks reads every block of the channel from the audit office's peer (Fabric's
// deliver service through the gateway SDK) and returns their count and raw bytes.
func fetchBlocks(t *testing.T) (int, []byte) {
	t.Helper()
	n := h.net
	org, _ := n.T.Org("audit")
	peer := org.Peers[0]
	pem, err := os.ReadFile(n.L.CACert("audit"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	cc, err := grpc.NewClient(n.T.Addr(peer.Offset),
		grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, fmt.Sprintf("%s.audit.%s", peer.Name, n.T.Domain))),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(100<<20)))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	msp := n.L.UserMSP("audit", "admin")
	certPEM, err := os.ReadFile(filepath.Join(msp, "signcerts", "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	id, err := identity.NewX509Identity(org.MSPID, cert)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(msp, "keystore", "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pk, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	sign, err := identity.NewPrivateKeySign(pk)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := client.Connect(id, client.WithSign(sign), client.WithClientConnection(cc))
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	height := n.Heights()["peer0.audit"]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	events, err := gw.GetNetwork("govchannel").BlockEvents(ctx, client.WithStartBlock(0))
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	count := 0
	for b := range events {
		bb, err := proto.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, bb...)
		count++
		if int64(b.GetHeader().GetNumber())+1 >= height {
			break
		}
	}
	if count == 0 || int64(count) < height {
		t.Fatalf("fetched %d blocks, the channel height is %d", count, height)
	}
	return count, raw
}
