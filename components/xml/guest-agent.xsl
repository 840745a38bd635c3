<?xml version="1.0"?>
<!-- Adds the QEMU guest agent channel to a node's domain XML (the provider's qemu_agent
     flag would also make it wait on the agent for addresses, which the nodes don't need). -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output omit-xml-declaration="yes" indent="yes"/>
  <xsl:template match="node()|@*">
    <xsl:copy><xsl:apply-templates select="node()|@*"/></xsl:copy>
  </xsl:template>
  <xsl:template match="/domain/devices">
    <xsl:copy>
      <xsl:apply-templates select="node()|@*"/>
      <channel type="unix">
        <target type="virtio" name="org.qemu.guest_agent.0"/>
      </channel>
    </xsl:copy>
  </xsl:template>
</xsl:stylesheet>
