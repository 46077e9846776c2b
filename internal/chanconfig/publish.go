package chanconfig

import (
	"context"
	"errors"
	"fmt"
	"github.com/govchain/govchain/internal/ledgerverify"
	"strings"
	"sync"
	"time"

	"github.com/govchain/govchain/internal/fabricid"
	"github.com/govchain/govchain/internal/gatewayconfig"
	"github.com/govchain/govchain/internal/ledgerfetch"
	"github.com/hyperledger/fabric-config/configtx"
	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	ab "github.com/hyperledger/fabric-protos-go-apiv2/orderer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// AdminRole is the role of the identity, per org, that signs that org's config updates:
// its certificate carries the admin NodeOU (netctl enrols it as "orgadmin").
const AdminRole = "admin"

// CRLUpdater publishes CRLs into the channel configuration. PublishCRL has the signature
// of the identity lifecycle's hook: func(ctx context.Context, org string, crlPEM []byte) error.
type CRLUpdater struct {
	cfg *gatewayconfig.File
	// Timeout bounds the wait for every peer to hold the new config block (default 60 s).
	Timeout time.Duration
	// Logf, when set, reports progress.
	Logf func(format string, args ...any)
	mu   sync.Mutex // one update at a time: a second would be computed on a stale config
}

// NewCRLUpdater checks that cfg names the orderers and returns an updater that signs with
// each org's identity of role admin and reads the configuration from that identity's peers.
func NewCRLUpdater(cfg *gatewayconfig.File) (*CRLUpdater, error) {
	if len(cfg.Orderers) == 0 {
		return nil, errors.New("the configuration names no orderers (key orderers): a CRL cannot be published")
	}
	if cfg.Channel == "" {
		return nil, errors.New("the configuration names no channel")
	}
	return &CRLUpdater{cfg: cfg, Timeout: 60 * time.Second}, nil
}

func (u *CRLUpdater) logf(format string, args ...any) {
	if u.Logf != nil {
		u.Logf(format, args...)
	}
}

// PublishCRL puts crlPEM (signed by org's CA) into org's MSP in the channel configuration
// and returns once every configured peer has the config block that does, so that the peers
// refuse proposals and transactions the revoked certificates sign. org is the short org name
// of the gateway configuration (market, tax, ...). It is idempotent: nil at once when the
// configuration already holds the CRL (or a newer one of the same CA covering it).
func (u *CRLUpdater) PublishCRL(ctx context.Context, org string, crlPEM []byte) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	admin, ok := u.cfg.Identity(org, AdminRole)
	if !ok {
		return fmt.Errorf("no identity %s/%s in the configuration to sign %s's config update", org, AdminRole, org)
	}
	if _, err := ParseCRL(crlPEM); err != nil {
		return err
	}
	src, err := u.dial(admin, admin.Home())
	if err != nil {
		return err
	}
	defer src.Close()
	// Another config update ordered between our read and our broadcast makes the orderer
	// refuse ours (its read set names older versions): read the config again and retry.
	var cfgNum uint64
	for attempt := 1; ; attempt++ {
		var config *cb.Config
		cfgNum, config, err = configInForce(ctx, src)
		if err != nil {
			return err
		}
		update, err := CRLUpdate(config, u.cfg.Channel, admin.MSPID, crlPEM)
		if errors.Is(err, ErrUnchanged) {
			u.logf("%s: the config in force (block %d) already has this CRL", admin.MSPID, cfgNum)
			return u.waitPeers(ctx, admin, cfgNum)
		}
		if err != nil {
			return err
		}
		env, err := u.sign(admin, update)
		if err != nil {
			return err
		}
		err = u.broadcast(ctx, env)
		var refused *refusal
		if err != nil && attempt < 3 && errors.As(err, &refused) && strings.Contains(refused.info, "ReadSet") {
			u.logf("%s: the config changed meanwhile (%s); computing the update again", admin.MSPID, refused.info)
			if err := sleep(ctx, time.Second); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	u.logf("%s: config update ordered; waiting for the new config block", admin.MSPID)
	// The new config block is the first config block after cfgNum holding the CRL.
	var newNum uint64
	deadline := time.Now().Add(u.timeout())
	for {
		n, c, err := configInForce(ctx, src)
		if err == nil && n > cfgNum {
			// Another org's update may have been ordered first: wait for the block with ours.
			if has, herr := HasCRL(c, admin.MSPID, crlPEM); herr != nil {
				return herr
			} else if has {
				newNum = n
				break
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the update was accepted by the orderer but %s shows no config block with the CRL within %s", admin.Home(), u.timeout())
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
	u.logf("%s: CRL in force from config block %d", admin.MSPID, newNum)
	return u.waitPeers(ctx, admin, newNum)
}

func (u *CRLUpdater) timeout() time.Duration {
	if u.Timeout <= 0 {
		return 60 * time.Second
	}
	return u.Timeout
}

func (u *CRLUpdater) dial(id gatewayconfig.Identity, peerName string) (*ledgerfetch.Source, error) {
	p, ok := u.cfg.Peer(peerName)
	if !ok {
		return nil, fmt.Errorf("identity %s/%s: peer %q not in the configuration", id.Org, id.Role, peerName)
	}
	return ledgerfetch.Dial(u.cfg, id, p, 30*time.Second)
}

// configInForce reads the number and content of the config block in force at the peer's height.
func configInForce(ctx context.Context, src *ledgerfetch.Source) (uint64, *cb.Config, error) {
	info, err := src.Info(ctx)
	if err != nil {
		return 0, nil, err
	}
	if info.Height == 0 {
		return 0, nil, errors.New("the peer has no block")
	}
	head, _, err := src.Block(ctx, info.Height-1)
	if err != nil {
		return 0, nil, err
	}
	n, err := ledgerverify.LastConfigIndex(head)
	if err != nil {
		return 0, nil, err
	}
	b, _, err := src.Block(ctx, n)
	if err != nil {
		return 0, nil, err
	}
	c, err := ConfigFromBlock(b)
	return n, c, err
}

// sign signs the update as the org's Admins policy needs (the org admin's config
// signature) and wraps it in an envelope the admin signs (/Channel/Writers admits admins).
func (u *CRLUpdater) sign(admin gatewayconfig.Identity, update []byte) (*cb.Envelope, error) {
	cert, err := fabricid.ReadCertificate(admin.Cert)
	if err != nil {
		return nil, fmt.Errorf("identity %s/%s: %w", admin.Org, admin.Role, err)
	}
	key, err := fabricid.ReadPrivateKey(admin.Key)
	if err != nil {
		return nil, fmt.Errorf("identity %s/%s: %w", admin.Org, admin.Role, err)
	}
	si := &configtx.SigningIdentity{Certificate: cert, PrivateKey: key, MSPID: admin.MSPID}
	sig, err := si.CreateConfigSignature(update)
	if err != nil {
		return nil, err
	}
	env, err := configtx.NewEnvelope(update, sig)
	if err != nil {
		return nil, err
	}
	if err := si.SignEnvelope(env); err != nil {
		return nil, err
	}
	return env, nil
}

// broadcast sends env to the orderers in turn until one accepts it. A refusal
// (BAD_REQUEST, FORBIDDEN: the update itself is wrong) is not tried elsewhere.
func (u *CRLUpdater) broadcast(ctx context.Context, env *cb.Envelope) error {
	var errs []error
	for _, o := range u.cfg.Orderers {
		err := broadcastTo(ctx, o, env)
		if err == nil {
			u.logf("config update accepted by %s", o.Name)
			return nil
		}
		var refused *refusal
		if errors.As(err, &refused) {
			return err
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("no orderer accepted the config update: %w", errors.Join(errs...))
}

type refusal struct {
	orderer string
	status  cb.Status
	info    string
}

func (r *refusal) Error() string {
	return fmt.Sprintf("orderer %s refused the config update: %s: %s", r.orderer, r.status, r.info)
}

func broadcastTo(ctx context.Context, o gatewayconfig.Orderer, env *cb.Envelope) error {
	pool, err := fabricid.TLSRoots(gatewayconfig.Peer{Name: o.Name, TLSCACert: o.TLSCACert})
	if err != nil {
		return fmt.Errorf("orderer %s: %w", o.Name, err)
	}
	cc, err := grpc.NewClient(o.Endpoint, grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, o.ServerName)))
	if err != nil {
		return fmt.Errorf("orderer %s: %w", o.Name, err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	stream, err := ab.NewAtomicBroadcastClient(cc).Broadcast(ctx)
	if err != nil {
		return fmt.Errorf("orderer %s: %w", o.Name, err)
	}
	if err := stream.Send(env); err != nil {
		return fmt.Errorf("orderer %s: send: %w", o.Name, err)
	}
	resp, err := stream.Recv()
	if err != nil {
		return fmt.Errorf("orderer %s: %w", o.Name, err)
	}
	_ = stream.CloseSend()
	switch resp.Status {
	case cb.Status_SUCCESS:
		return nil
	case cb.Status_BAD_REQUEST, cb.Status_FORBIDDEN, cb.Status_NOT_FOUND:
		return &refusal{orderer: o.Name, status: resp.Status, info: resp.Info}
	default:
		return fmt.Errorf("orderer %s: %s: %s", o.Name, resp.Status, resp.Info)
	}
}

// waitPeers waits until every configured peer has block num (the config block in force).
func (u *CRLUpdater) waitPeers(ctx context.Context, admin gatewayconfig.Identity, num uint64) error {
	deadline := time.Now().Add(u.timeout())
	pending := map[string]string{}
	for _, p := range u.cfg.Peers {
		pending[p.Name] = "not read yet"
	}
	for len(pending) > 0 {
		for name := range pending {
			src, err := u.dial(admin, name)
			if err != nil {
				return err
			}
			info, err := src.Info(ctx)
			src.Close()
			switch {
			case err != nil:
				pending[name] = err.Error()
			case info.Height > num:
				delete(pending, name)
			default:
				pending[name] = fmt.Sprintf("height %d", info.Height)
			}
		}
		if len(pending) == 0 {
			break
		}
		if time.Now().After(deadline) {
			var s []string
			for name, why := range pending {
				s = append(s, name+": "+why)
			}
			return fmt.Errorf("config block %d is in force, but not every peer has it within %s: %s", num, u.timeout(), strings.Join(s, "; "))
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
	u.logf("every peer has config block %d", num)
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
