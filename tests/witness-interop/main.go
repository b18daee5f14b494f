// A Go peer for claimledger's witness server (c2sp.org/tlog-witness), sharing no code with it:
// golang.org/x/mod's sumdb/tlog and sumdb/note make a log and its checkpoints, and
// filippo.io/torchwood's cosignature verifier (c2sp.org/tlog-cosignature) checks the
// cosignatures the witness returns.
//
//	witness-interop gen DIR
//	    writes DIR/log.vkey, DIR/checkpoint-3 and DIR/checkpoint-5 (signed notes), and the
//	    add-checkpoint bodies DIR/req-3 (old 0) and DIR/req-5 (old 3, consistency proof 3 -> 5)
//	witness-interop verify WITNESS_VKEY LOG_VKEY CHECKPOINT RESPONSE
//	    opens CHECKPOINT with the add-checkpoint RESPONSE lines appended, requiring a valid
//	    cosignature by WITNESS_VKEY (a vkey of type 0x04 that torchwood must re-derive exactly)
//
// Exit 0 when everything verifies; 1 with a message otherwise.
package main

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const origin = "go.example/witness-interop-log"

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "witness-interop: "+format+"\n", args...)
	os.Exit(1)
}

// hashStore is an in-memory tlog.HashReader.
type hashStore []tlog.Hash

func (s hashStore) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(s)) {
			return nil, errors.New("no such hash")
		}
		out[i] = s[x]
	}
	return out, nil
}

func write(dir, name string, data []byte) {
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		fail("%v", err)
	}
}

func gen(dir string) {
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		fail("key: %v", err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		fail("signer: %v", err)
	}
	write(dir, "log.vkey", []byte(vkey+"\n"))
	var store hashStore
	roots := map[int64]tlog.Hash{}
	for n := int64(0); n < 5; n++ {
		hashes, err := tlog.StoredHashes(n, []byte(fmt.Sprintf("leaf %d", n)), store)
		if err != nil {
			fail("stored hashes: %v", err)
		}
		store = append(store, hashes...)
		root, err := tlog.TreeHash(n+1, store)
		if err != nil {
			fail("tree hash: %v", err)
		}
		roots[n+1] = root
	}
	checkpoint := func(size int64) []byte {
		root := roots[size]
		text := fmt.Sprintf("%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(root[:]))
		msg, err := note.Sign(&note.Note{Text: text}, signer)
		if err != nil {
			fail("sign: %v", err)
		}
		return msg
	}
	cp3, cp5 := checkpoint(3), checkpoint(5)
	write(dir, "checkpoint-3", cp3)
	write(dir, "checkpoint-5", cp5)
	write(dir, "req-3", append([]byte("old 0\n\n"), cp3...))
	proof, err := tlog.ProveTree(5, 3, store)
	if err != nil {
		fail("prove: %v", err)
	}
	if err := tlog.CheckTree(proof, 5, roots[5], 3, roots[3]); err != nil {
		fail("own proof: %v", err)
	}
	var req bytes.Buffer
	req.WriteString("old 3\n")
	for _, h := range proof {
		req.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
	req.WriteString("\n")
	req.Write(cp5)
	write(dir, "req-5", req.Bytes())
}

// publicOnly is a crypto.Signer that only knows a public key: torchwood builds a
// CosignatureVerifier from a signer, and verification never calls Sign.
type publicOnly ed25519.PublicKey

func (p publicOnly) Public() crypto.PublicKey { return ed25519.PublicKey(p) }
func (p publicOnly) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("verification only")
}

func verify(witnessVkey, logVkeyFile, checkpointFile, responseFile string) {
	// Decode the witness vkey by hand (name+hash+base64(0x04 || key)), then let torchwood
	// derive its own verifier and print it: both must agree byte for byte.
	parts := strings.SplitN(witnessVkey, "+", 3)
	if len(parts) != 3 {
		fail("witness vkey: not name+hash+key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 || raw[0] != 0x04 {
		fail("witness vkey: not base64 of 0x04 and 32 bytes")
	}
	cs, err := torchwood.NewCosignatureSigner(parts[0], publicOnly(raw[1:]))
	if err != nil {
		fail("torchwood: %v", err)
	}
	wv := cs.Verifier()
	if wv.String() != witnessVkey {
		fail("torchwood derives %s, the witness printed %s", wv.String(), witnessVkey)
	}
	logVkey, err := os.ReadFile(logVkeyFile)
	if err != nil {
		fail("%v", err)
	}
	lv, err := note.NewVerifier(strings.TrimSpace(string(logVkey)))
	if err != nil {
		fail("log vkey: %v", err)
	}
	cp, err := os.ReadFile(checkpointFile)
	if err != nil {
		fail("%v", err)
	}
	resp, err := os.ReadFile(responseFile)
	if err != nil {
		fail("%v", err)
	}
	n, err := note.Open(append(cp, resp...), note.VerifierList(lv, wv))
	if err != nil {
		fail("open with the cosignature: %v", err)
	}
	cosigned := false
	for _, s := range n.Sigs {
		if s.Name == wv.Name() && s.Hash == wv.KeyHash() {
			t, err := torchwood.CosignatureTimestamp(s)
			if err != nil || t <= 0 {
				fail("cosignature timestamp: %v %d", err, t)
			}
			cosigned = true
		}
	}
	if !cosigned {
		fail("no verified cosignature by %s", wv.Name())
	}
	fmt.Println("ok")
}

func main() {
	switch {
	case len(os.Args) == 3 && os.Args[1] == "gen":
		gen(os.Args[2])
	case len(os.Args) == 6 && os.Args[1] == "verify":
		verify(os.Args[2], os.Args[3], os.Args[4], os.Args[5])
	default:
		fail("usage: witness-interop gen DIR | verify WITNESS_VKEY LOG_VKEY_FILE CHECKPOINT RESPONSE")
	}
}
