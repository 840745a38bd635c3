<?xml version="1.0"?>
<!-- The bench's "bare Debian" guest: a lab node's own domain XML (machine, CPU, memory, disk
     bus, network) with its identity and its cloud-init seed taken away, on a fresh overlay
     of the same image. It starts the image's own kernel and initramfs directly, with the
     node's kernel command line plus what bench/first-boot.sh adds (cloud-init disabled: it
     would otherwise still run without a seed, as the image's datasource list ends in None).
     Parameters: name, volume (its disk, same pool), kernel, initrd, cmdline. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output omit-xml-declaration="yes" indent="yes"/>
  <xsl:param name="name"/>
  <xsl:param name="volume"/>
  <xsl:param name="kernel"/>
  <xsl:param name="initrd"/>
  <xsl:param name="cmdline"/>
  <xsl:template match="node()|@*">
    <xsl:copy><xsl:apply-templates select="node()|@*"/></xsl:copy>
  </xsl:template>
  <xsl:template match="/domain/name/text()"><xsl:value-of select="$name"/></xsl:template>
  <xsl:template match="/domain/uuid|/domain/devices/interface/mac|/domain/devices/console/log|/domain/devices/serial/log"/>
  <xsl:template match="/domain/os/loader|/domain/os/nvram|/domain/os/boot"/>
  <xsl:template match="/domain/os">
    <xsl:copy>
      <xsl:apply-templates select="node()|@*"/>
      <kernel><xsl:value-of select="$kernel"/></kernel>
      <initrd><xsl:value-of select="$initrd"/></initrd>
      <cmdline><xsl:value-of select="$cmdline"/></cmdline>
    </xsl:copy>
  </xsl:template>
  <xsl:template match="/domain/devices/disk[contains(source/@volume, '-cidata-')]"/>
  <xsl:template match="/domain/devices/disk[not(contains(source/@volume, '-cidata-'))]/source/@volume">
    <xsl:attribute name="volume"><xsl:value-of select="$volume"/></xsl:attribute>
  </xsl:template>
</xsl:stylesheet>
