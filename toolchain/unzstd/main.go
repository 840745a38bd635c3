// unzstd: a Zstandard stream on stdin, decompressed to stdout, or with -o TARGET written to
// TARGET (a disk, or a file) from its first byte. The installer
// (images/installer/clusteros-install) writes the image with it: the image's own initramfs
// has no zstd, and this is one static file that runs in any. Built by setup
// (scripts/lib/toolchain.sh tc_unzstd) with CGO_ENABLED=0.
//
// Written to a block device, a whole chunk of zeros is not copied but zeroed by the device
// (BLKZEROOUT: a Write Zeroes command where the disk has one, else the kernel writes the
// zeros), so the image's empty space costs next to nothing and the disk reads zeros there
// whatever it held before.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"syscall"
	"unsafe"

	"github.com/klauspost/compress/zstd"
)

// chunk: the unit written or zeroed, a multiple of any disk's logical block size.
const chunk = 1 << 20

// blkZeroOut: the BLKZEROOUT ioctl, _IO(0x12, 127).
const blkZeroOut = 0x127f

func main() {
	target := ""
	switch {
	case len(os.Args) == 3 && os.Args[1] == "-o":
		target = os.Args[2]
	case len(os.Args) != 1:
		fmt.Fprintln(os.Stderr, "usage: unzstd [-o TARGET] < FILE.zst  (without -o: to stdout)")
		os.Exit(2)
	}
	dec, err := zstd.NewReader(bufio.NewReaderSize(os.Stdin, 1<<20), zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
	if err != nil {
		fail(err)
	}
	defer dec.Close()
	if target == "" {
		out := bufio.NewWriterSize(os.Stdout, 4<<20)
		if _, err := io.Copy(out, dec); err != nil {
			fail(err)
		}
		if err := out.Flush(); err != nil {
			fail(err)
		}
		return
	}
	written, zeroed, err := writeTo(target, dec)
	if err != nil {
		fail(err)
	}
	fmt.Printf("%d bytes written to %s (%d of them zeroed by the device)\n", written, target, zeroed)
}

// writeTo writes the stream to target from offset 0; zeroed counts the bytes the device zeroed.
func writeTo(target string, in io.Reader) (written, zeroed int64, err error) {
	f, err := os.OpenFile(target, os.O_WRONLY, 0)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	zeros := make([]byte, chunk)
	buf := make([]byte, chunk)
	device := isBlockDevice(f)
	for {
		n, rerr := io.ReadFull(in, buf)
		if n > 0 {
			data := buf[:n]
			if device && n == chunk && bytes.Equal(data, zeros) && zeroOut(f, written, int64(n)) == nil {
				zeroed += int64(n)
			} else if _, err := f.WriteAt(data, written); err != nil {
				return written, zeroed, err
			}
			written += int64(n)
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return written, zeroed, rerr
		}
	}
	return written, zeroed, f.Sync()
}

func isBlockDevice(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeDevice != 0 && st.Mode()&os.ModeCharDevice == 0
}

// zeroOut has the device zero length bytes at offset.
func zeroOut(f *os.File, offset, length int64) error {
	span := [2]uint64{uint64(offset), uint64(length)}
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), blkZeroOut, uintptr(unsafe.Pointer(&span))); errno != 0 {
		return errno
	}
	return nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "unzstd:", err)
	os.Exit(1)
}
