<?xml version="1.0"?>
<!-- A libvirt volume readable by its owner only (root, and the QEMU user once libvirt hands
     the disk to a running domain): the provider writes every volume 0644. For volumes that
     hold secrets: a node's NoCloud seed and its disk. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output omit-xml-declaration="yes" indent="yes"/>
  <xsl:template match="node()|@*">
    <xsl:copy><xsl:apply-templates select="node()|@*"/></xsl:copy>
  </xsl:template>
  <xsl:template match="/volume/target/permissions/mode">
    <mode>0600</mode>
  </xsl:template>
</xsl:stylesheet>
