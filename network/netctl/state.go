package netctl

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
)

// State records what has been generated and deployed, so that `up` after `down`
// resumes instead of regenerating. It lives in data/network/state.json (0600:
// it holds the CA bootstrap passwords of this dev network).
type State struct {
	CAPasswords map[string]string `json:"ca_passwords"`
	Enrolled    map[string]bool   `json:"enrolled"`
	ChannelMade bool              `json:"channel_made"`
	Joined      map[string]bool   `json:"joined"`
	Chaincode   ChaincodeState    `json:"chaincode"`
}

// ChaincodeState is the deployed chaincode definition.
type ChaincodeState struct {
	Label      string            `json:"label"`
	Version    string            `json:"version"`
	Sequence   int64             `json:"sequence"`
	PackageIDs map[string]string `json:"package_ids"` // org -> package id (the CCID its server runs with)
}

func loadState(l Layout) (*State, error) {
	s := &State{CAPasswords: map[string]string{}, Enrolled: map[string]bool{}, Joined: map[string]bool{}}
	raw, err := os.ReadFile(l.State())
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, s); err != nil {
		return nil, err
	}
	if s.CAPasswords == nil {
		s.CAPasswords = map[string]string{}
	}
	if s.Enrolled == nil {
		s.Enrolled = map[string]bool{}
	}
	if s.Joined == nil {
		s.Joined = map[string]bool{}
	}
	return s, nil
}

func (s *State) save(l Layout) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(l.State()), 0o755); err != nil {
		return err
	}
	tmp := l.State() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, l.State())
}

func randomSecret(nbytes int) string {
	b := make([]byte, nbytes)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
