<?xml version="1.0"?>
<!-- The bench's "bare Debian" guest: a lab node's own domain XML (machine, CPU, memory, disk
     bus, network, firmware and boot order) with its identity and its cloud-init seed taken
     away, on a fresh overlay of the same image. It boots the way the node does: through the
     same firmware (SeaBIOS, or OVMF with a variable store of its own, made from the same
     template) and the image's GRUB. Given no seed, the image itself leaves cloud-init off and
     waits for no network (images/common/cloud/90-clusteros.cfg, and the
     systemd-networkd-wait-online drop-in): that is the floor of a boot of this image.
     Parameters: name, volume (its disk, same pool), nvram (its UEFI variable store's path). -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output omit-xml-declaration="yes" indent="yes"/>
  <xsl:param name="name"/>
  <xsl:param name="volume"/>
  <xsl:param name="nvram"/>
  <xsl:template match="node()|@*">
    <xsl:copy><xsl:apply-templates select="node()|@*"/></xsl:copy>
  </xsl:template>
  <xsl:template match="/domain/name/text()"><xsl:value-of select="$name"/></xsl:template>
  <xsl:template match="/domain/uuid|/domain/devices/interface/mac|/domain/devices/console/log|/domain/devices/serial/log"/>
  <xsl:template match="/domain/os/nvram/text()"><xsl:value-of select="$nvram"/></xsl:template>
  <xsl:template match="/domain/devices/disk[contains(source/@volume, '-cidata-')]"/>
  <xsl:template match="/domain/devices/disk[not(contains(source/@volume, '-cidata-'))]/source/@volume">
    <xsl:attribute name="volume"><xsl:value-of select="$volume"/></xsl:attribute>
  </xsl:template>
</xsl:stylesheet>
