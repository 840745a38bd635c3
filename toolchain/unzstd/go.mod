module clusteros-lab/toolchain/unzstd

go 1.26.6

require github.com/klauspost/compress v1.18.7
