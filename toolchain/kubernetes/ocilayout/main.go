// Command ocilayout writes a one-layer linux/amd64 OCI image as an image-layout tar
// (oci-layout, index.json, blobs/sha256/...), the form `ctr images import` reads.
//
//	ocilayout -rootfs DIR -config CONFIG.json -ref REF -created RFC3339 -o OUT.tar
//
// The layer is DIR packed in sorted order with owner root and every mtime set to
// -created, so the same inputs give the same bytes (and the same image digest).
// CONFIG.json is the image's runtime config (Entrypoint, Cmd, Env, User, ...) as data.
// index.json names the image twice: io.containerd.image.name carries the full ref
// (what containerd's importer uses), org.opencontainers.image.ref.name the tag (OCI).
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

const (
	mediaIndex    = "application/vnd.oci.image.index.v1+json"
	mediaManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaConfig   = "application/vnd.oci.image.config.v1+json"
	mediaLayer    = "application/vnd.oci.image.layer.v1.tar+gzip"
)

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *platform         `json:"platform,omitempty"`
}

type platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
}

type imageConfig struct {
	Created      string          `json:"created"`
	Architecture string          `json:"architecture"`
	OS           string          `json:"os"`
	Config       json.RawMessage `json:"config"`
	RootFS       struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
}

type manifest struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	Config        descriptor        `json:"config"`
	Layers        []descriptor      `json:"layers"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

type index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Manifests     []descriptor `json:"manifests"`
}

// blob is one content-addressed file of the layout.
type blob struct {
	digest string
	data   []byte
}

func newBlob(data []byte) blob {
	sum := sha256.Sum256(data)
	return blob{digest: "sha256:" + hex.EncodeToString(sum[:]), data: data}
}

func (b blob) descriptor(mediaType string) descriptor {
	return descriptor{MediaType: mediaType, Digest: b.digest, Size: int64(len(b.data))}
}

func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		log.Fatal(err)
	}
	return data
}

// packRootfs returns the uncompressed layer tar of dir: entries sorted, owner 0:0, fixed mtime.
func packRootfs(dir string, mtime time.Time) ([]byte, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range paths {
		info, err := os.Lstat(p)
		if err != nil {
			return nil, err
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return nil, err
			}
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(dir, p)
		hdr.Name = filepath.ToSlash(rel)
		if info.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "root", "root"
		hdr.ModTime, hdr.AccessTime, hdr.ChangeTime = mtime, time.Time{}, time.Time{}
		hdr.Format = tar.FormatPAX
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if info.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			if _, err := tw.Write(data); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func gzipBytes(data []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(data); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}

// writeLayout writes the layout's files as one tar: oci-layout, index.json, then the blobs.
func writeLayout(out string, mtime time.Time, idx []byte, blobs []blob) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	add := func(name string, data []byte) error {
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: mtime,
			Typeflag: tar.TypeReg, Uname: "root", Gname: "root", Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	for _, dir := range []string{"blobs/", "blobs/sha256/"} {
		hdr := &tar.Header{Name: dir, Mode: 0o755, ModTime: mtime, Typeflag: tar.TypeDir,
			Uname: "root", Gname: "root", Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
	}
	if err := add("oci-layout", mustJSON(map[string]string{"imageLayoutVersion": "1.0.0"})); err != nil {
		return err
	}
	if err := add("index.json", idx); err != nil {
		return err
	}
	for _, b := range blobs {
		if err := add("blobs/sha256/"+strings.TrimPrefix(b.digest, "sha256:"), b.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return f.Close()
}

func main() {
	rootfs := flag.String("rootfs", "", "directory that becomes the image's only layer")
	configFile := flag.String("config", "", "JSON file: the image's runtime config (Entrypoint, Cmd, Env, User, ...)")
	ref := flag.String("ref", "", "full image reference, e.g. registry.k8s.io/pause:3.10.2")
	created := flag.String("created", "", "RFC 3339 time for the image and every file's mtime")
	out := flag.String("o", "", "output tar")
	flag.Parse()
	if *rootfs == "" || *configFile == "" || *ref == "" || *created == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	colon := strings.LastIndex(*ref, ":")
	if colon < 0 || strings.Contains((*ref)[colon:], "/") {
		log.Fatalf("ref %q has no tag", *ref)
	}
	tag := (*ref)[colon+1:]
	mtime, err := time.Parse(time.RFC3339, *created)
	if err != nil {
		log.Fatal(err)
	}
	runtimeConfig, err := os.ReadFile(*configFile)
	if err != nil {
		log.Fatal(err)
	}
	if !json.Valid(runtimeConfig) {
		log.Fatalf("%s is not valid JSON", *configFile)
	}

	layerTar, err := packRootfs(*rootfs, mtime)
	if err != nil {
		log.Fatal(err)
	}
	layer := newBlob(gzipBytes(layerTar))

	cfg := imageConfig{Created: mtime.UTC().Format(time.RFC3339), Architecture: "amd64", OS: "linux"}
	var compact bytes.Buffer
	if err := json.Compact(&compact, runtimeConfig); err != nil {
		log.Fatal(err)
	}
	cfg.Config = compact.Bytes()
	cfg.RootFS.Type = "layers"
	cfg.RootFS.DiffIDs = []string{newBlob(layerTar).digest}
	config := newBlob(mustJSON(cfg))

	man := newBlob(mustJSON(manifest{
		SchemaVersion: 2,
		MediaType:     mediaManifest,
		Config:        config.descriptor(mediaConfig),
		Layers:        []descriptor{layer.descriptor(mediaLayer)},
		Annotations:   map[string]string{"org.opencontainers.image.created": cfg.Created},
	}))
	manDesc := man.descriptor(mediaManifest)
	manDesc.Platform = &platform{Architecture: "amd64", OS: "linux"}
	manDesc.Annotations = map[string]string{
		"io.containerd.image.name":          *ref,
		"org.opencontainers.image.ref.name": tag,
	}
	idx := mustJSON(index{SchemaVersion: 2, MediaType: mediaIndex, Manifests: []descriptor{manDesc}})

	if err := writeLayout(*out, mtime, idx, []blob{config, layer, man}); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %s\n", *ref, man.digest)
}
