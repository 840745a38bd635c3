// The OCI image-layout writer for the bundle's pause and busybox images (scripts/kubernetes.sh).
module clusteros-lab/toolchain/kubernetes/ocilayout

go 1.26.6
