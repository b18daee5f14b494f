// Independent verifier for claimledger outputs, built only on Go's standard library and
// golang.org/x/mod/sumdb/{note,tlog} (the Go checksum database's implementation of C2SP
// signed notes and RFC 6962 proofs). It shares no code with claimledger.
//
//	go run verify.go receipt RECEIPT.json VKEY
//	go run verify.go consistency OLD_CHECKPOINT NEW_CHECKPOINT VKEY PROOF_HEX...
//	go run verify.go tiles BASE_URL VKEY
//
// Exit 0 when everything verifies; 1 with a message otherwise.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "interop: "+format+"\n", args...)
	os.Exit(1)
}

// openCheckpoint verifies a signed note with vkey and parses the tlog-checkpoint body.
func openCheckpoint(msg []byte, vkey string) (origin string, size int64, root tlog.Hash) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		fail("vkey: %v", err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fail("checkpoint note: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		fail("checkpoint body too short")
	}
	size, err = strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != 32 {
		fail("checkpoint root")
	}
	copy(root[:], raw)
	if lines[0] != v.Name() {
		fail("origin %q is not the key name %q", lines[0], v.Name())
	}
	return lines[0], size, root
}

func receipt(path, vkey string) {
	data, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	var r struct {
		Format         string          `json:"format"`
		EnvelopeBase64 string          `json:"envelope_base64"`
		Payload        json.RawMessage `json:"payload"`
		TlogProof      string          `json:"tlog_proof"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		fail("receipt: %v", err)
	}
	if r.Format != "claimledger-receipt/v1" {
		fail("format %q", r.Format)
	}
	// c2sp.org/tlog-proof@v1: header, index, proof hashes, blank line, checkpoint.
	head, checkpoint, ok := strings.Cut(r.TlogProof, "\n\n")
	if !ok {
		fail("tlog-proof: no blank line")
	}
	lines := strings.Split(head, "\n")
	if lines[0] != "c2sp.org/tlog-proof@v1" || !strings.HasPrefix(lines[1], "index ") {
		fail("tlog-proof header")
	}
	index, err := strconv.ParseInt(strings.TrimPrefix(lines[1], "index "), 10, 64)
	if err != nil {
		fail("tlog-proof index: %v", err)
	}
	var proof tlog.RecordProof
	for _, l := range lines[2:] {
		raw, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(raw) != 32 {
			fail("tlog-proof hash line %q", l)
		}
		var h tlog.Hash
		copy(h[:], raw)
		proof = append(proof, h)
	}
	_, size, root := openCheckpoint([]byte(checkpoint), vkey)
	envelope, err := base64.StdEncoding.DecodeString(r.EnvelopeBase64)
	if err != nil {
		fail("envelope_base64: %v", err)
	}
	if err := tlog.CheckRecord(proof, size, root, index, tlog.RecordHash(envelope)); err != nil {
		fail("inclusion: %v", err)
	}
	// The author's signature: context || the canonical envelope without its signature member.
	var env map[string]interface{}
	if err := json.Unmarshal(envelope, &env); err != nil {
		fail("envelope: %v", err)
	}
	sig, err := base64.StdEncoding.DecodeString(env["signature"].(string))
	if err != nil {
		fail("signature: %v", err)
	}
	delete(env, "signature")
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(env); err != nil {
		fail("%v", err)
	}
	msg := append([]byte("claimledger/v1 entry signature\x00"), bytes.TrimSuffix(body.Bytes(), []byte("\n"))...)
	signer := env["signer"].(string)
	parts := strings.SplitN(signer, "+", 3)
	pk, err := base64.StdEncoding.DecodeString(parts[len(parts)-1])
	if err != nil || len(pk) != 33 || pk[0] != 1 {
		fail("signer vkey")
	}
	if !ed25519.Verify(ed25519.PublicKey(pk[1:]), msg, sig) {
		fail("author signature does not verify")
	}
	// The payload hash, over the canonical payload (compact, sorted keys, as JCS for this data).
	var payload interface{}
	if err := json.Unmarshal(r.Payload, &payload); err != nil {
		fail("payload: %v", err)
	}
	var pbuf bytes.Buffer
	penc := json.NewEncoder(&pbuf)
	penc.SetEscapeHTML(false)
	if err := penc.Encode(payload); err != nil {
		fail("%v", err)
	}
	sum := sha256.Sum256(bytes.TrimSuffix(pbuf.Bytes(), []byte("\n")))
	if hex.EncodeToString(sum[:]) != env["payload_sha256"].(string) {
		fail("payload hash does not match")
	}
	fmt.Printf("ok: entry %d included in checkpoint of size %d, signed by %s\n", index, size, parts[0])
}

func consistency(oldPath, newPath, vkey string, proofHex []string) {
	oldNote, err := os.ReadFile(oldPath)
	if err != nil {
		fail("%v", err)
	}
	newNote, err := os.ReadFile(newPath)
	if err != nil {
		fail("%v", err)
	}
	_, n, oldRoot := openCheckpoint(oldNote, vkey)
	_, t, newRoot := openCheckpoint(newNote, vkey)
	var proof tlog.TreeProof
	for _, x := range proofHex {
		raw, err := hex.DecodeString(x)
		if err != nil || len(raw) != 32 {
			fail("proof hash %q", x)
		}
		var h tlog.Hash
		copy(h[:], raw)
		proof = append(proof, h)
	}
	if err := tlog.CheckTree(proof, t, newRoot, n, oldRoot); err != nil {
		fail("consistency: %v", err)
	}
	fmt.Printf("ok: tree of size %d extends tree of size %d\n", t, n)
}

// httpTiles reads C2SP tlog-tiles over HTTP. Go's sumdb paths carry the tile height
// (tile/8/L/N); C2SP fixes the height at 8 and leaves it out (tile/L/N).
type httpTiles struct{ base string }

func (h httpTiles) Height() int { return 8 }

func (h httpTiles) fetch(path string) []byte {
	resp, err := http.Get(h.base + "/" + path)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		fail("GET %s: status %d %v: %s", path, resp.StatusCode, err, body)
	}
	return body
}

func (h httpTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		out[i] = h.fetch(strings.Replace(t.Path(), "tile/8/", "tile/", 1))
	}
	return out, nil
}

func (h httpTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// tiles audits a served log as a tlog client would: the checkpoint verifies with the pinned key,
// every hash tile is checked against the signed root by tlog.TileHashReader, and every leaf of
// every entry bundle hashes to the verified leaf hash.
func tiles(base, vkey string) {
	h := httpTiles{base}
	_, size, root := openCheckpoint(h.fetch("checkpoint"), vkey)
	thr := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, h)
	indexes := make([]int64, size)
	for i := range indexes {
		indexes[i] = tlog.StoredHashIndex(0, int64(i))
	}
	leaves, err := thr.ReadHashes(indexes)
	if err != nil {
		fail("hash tiles do not match the signed root: %v", err)
	}
	var n int64
	for k := int64(0); k*256 < size; k++ {
		w := size - k*256
		if w > 256 {
			w = 256
		}
		t := tlog.Tile{H: 8, L: 0, N: k, W: int(w)}
		path := strings.Replace(t.Path(), "tile/8/0/", "tile/entries/", 1)
		bundle := h.fetch(path)
		for len(bundle) > 0 {
			if len(bundle) < 2 {
				fail("%s: truncated length", path)
			}
			l := int(bundle[0])<<8 | int(bundle[1])
			if len(bundle) < 2+l {
				fail("%s: truncated entry", path)
			}
			if n >= size || tlog.RecordHash(bundle[2:2+l]) != leaves[n] {
				fail("%s: entry %d does not hash to the verified leaf", path, n)
			}
			bundle = bundle[2+l:]
			n++
		}
	}
	if n != size {
		fail("entry bundles hold %d entries, the checkpoint %d", n, size)
	}
	fmt.Printf("ok: %d entries verified through tiles\n", size)
}

func main() {
	if len(os.Args) >= 4 && os.Args[1] == "tiles" {
		tiles(os.Args[2], os.Args[3])
	} else if len(os.Args) >= 4 && os.Args[1] == "receipt" {
		receipt(os.Args[2], os.Args[3])
	} else if len(os.Args) >= 5 && os.Args[1] == "consistency" {
		consistency(os.Args[2], os.Args[3], os.Args[4], os.Args[5:])
	} else {
		fail("usage: verify receipt FILE VKEY | verify consistency OLD NEW VKEY PROOF_HEX... | verify tiles BASE_URL VKEY")
	}
}
