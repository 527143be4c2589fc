<?xml version="1.0"?>
<!--
  ocf2man.xsl — turns an OCF resource agent's meta-data into its manual page
  (ocf_PROVIDER_TYPE(7)), laid out as resource-agents' pages are: NAME,
  SYNOPSIS, DESCRIPTION, SUPPORTED PARAMETERS, SUPPORTED ACTIONS, EXAMPLE,
  SEE ALSO. The agent's meta-data is the only source, so the page can never
  disagree with what the agent tells the cluster manager.

  Text from the meta-data is never passed to roff as is: backslashes become
  \e, and every line the page starts with text from there begins with \& so
  that a leading "." or "'" cannot be read as a request.

  Parameters: provider (the OCF provider, e.g. "relevo"), source (the
  footer's source, e.g. "relevo 0.1.0").
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="UTF-8"/>
<xsl:strip-space elements="*"/>

<xsl:param name="provider" select="'relevo'"/>
<xsl:param name="source" select="''"/>

<xsl:variable name="nl" select="'&#10;'"/>
<xsl:variable name="lower" select="'abcdefghijklmnopqrstuvwxyz'"/>
<xsl:variable name="upper" select="'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"/>

<!-- backslashes doubled for roff: \ -> \e -->
<xsl:template name="esc">
	<xsl:param name="s"/>
	<xsl:choose>
		<xsl:when test="contains($s, '\')">
			<xsl:value-of select="substring-before($s, '\')"/>
			<xsl:text>\e</xsl:text>
			<xsl:call-template name="esc">
				<xsl:with-param name="s" select="substring-after($s, '\')"/>
			</xsl:call-template>
		</xsl:when>
		<xsl:otherwise><xsl:value-of select="$s"/></xsl:otherwise>
	</xsl:choose>
</xsl:template>

<!-- one filled line of text: white space collapsed, escaped, guarded -->
<xsl:template name="line">
	<xsl:param name="s"/>
	<xsl:text>\&amp;</xsl:text>
	<xsl:call-template name="esc">
		<xsl:with-param name="s" select="normalize-space($s)"/>
	</xsl:call-template>
	<xsl:value-of select="$nl"/>
</xsl:template>

<!-- paragraphs: a longdesc's blank lines separate them -->
<xsl:template name="paras">
	<xsl:param name="s"/>
	<xsl:variable name="head" select="substring-before(concat($s, '&#10;&#10;'), '&#10;&#10;')"/>
	<xsl:variable name="rest" select="substring-after($s, '&#10;&#10;')"/>
	<xsl:if test="normalize-space($head) != ''">
		<xsl:text>.PP&#10;</xsl:text>
		<xsl:call-template name="line">
			<xsl:with-param name="s" select="$head"/>
		</xsl:call-template>
	</xsl:if>
	<xsl:if test="normalize-space($rest) != ''">
		<xsl:call-template name="paras">
			<xsl:with-param name="s" select="$rest"/>
		</xsl:call-template>
	</xsl:if>
</xsl:template>

<xsl:template match="/resource-agent">
	<xsl:variable name="page" select="concat('ocf_', $provider, '_', @name)"/>
	<xsl:text>.\" </xsl:text><xsl:value-of select="$page"/>
	<xsl:text>.7 — made from the agent's meta-data by ocf2man.xsl; do not edit.&#10;</xsl:text>
	<xsl:text>.TH "</xsl:text>
	<xsl:value-of select="translate($page, $lower, $upper)"/>
	<xsl:text>" 7 "" "</xsl:text><xsl:value-of select="$source"/>
	<xsl:text>" "OCF resource agents"&#10;</xsl:text>

	<xsl:text>.SH NAME&#10;</xsl:text>
	<xsl:value-of select="$page"/><xsl:text> \- </xsl:text>
	<xsl:call-template name="esc">
		<xsl:with-param name="s" select="normalize-space(shortdesc)"/>
	</xsl:call-template>
	<xsl:value-of select="$nl"/>

	<xsl:text>.SH SYNOPSIS&#10;</xsl:text>
	<xsl:text>\fB</xsl:text><xsl:value-of select="@name"/><xsl:text>\fR [</xsl:text>
	<xsl:for-each select="actions/action[not(@name = preceding-sibling::action/@name)]">
		<xsl:if test="position() > 1"><xsl:text> | </xsl:text></xsl:if>
		<xsl:value-of select="@name"/>
	</xsl:for-each>
	<xsl:text>]&#10;</xsl:text>
	<xsl:text>.PP&#10;The agent ocf:</xsl:text><xsl:value-of select="$provider"/>
	<xsl:text>:</xsl:text><xsl:value-of select="@name"/>
	<xsl:text>, in </xsl:text>
	<xsl:text>\fI/usr/lib/ocf/resource.d/</xsl:text><xsl:value-of select="$provider"/>
	<xsl:text>/</xsl:text><xsl:value-of select="@name"/>
	<xsl:text>\fR, version </xsl:text><xsl:value-of select="@version"/>
	<xsl:text> (OCF API </xsl:text><xsl:value-of select="normalize-space(version)"/>
	<xsl:text>).&#10;</xsl:text>

	<xsl:text>.SH DESCRIPTION&#10;</xsl:text>
	<xsl:call-template name="paras">
		<xsl:with-param name="s" select="longdesc"/>
	</xsl:call-template>

	<xsl:text>.SH SUPPORTED PARAMETERS&#10;</xsl:text>
	<xsl:text>.PP&#10;Each parameter reaches the agent as OCF_RESKEY_\fIname\fR; in relevo.conf(5) it is set with \fBparam.\fIname\fR = \fIvalue\fR.&#10;</xsl:text>
	<xsl:for-each select="parameters/parameter">
		<xsl:text>.TP&#10;\fB</xsl:text><xsl:value-of select="@name"/><xsl:text>\fR (</xsl:text>
		<xsl:if test="@unique = '1'"><xsl:text>unique, </xsl:text></xsl:if>
		<xsl:choose>
			<xsl:when test="@required = '1'"><xsl:text>required</xsl:text></xsl:when>
			<xsl:otherwise><xsl:text>optional</xsl:text></xsl:otherwise>
		</xsl:choose>
		<xsl:text>, </xsl:text><xsl:value-of select="content/@type"/>
		<xsl:if test="content/@default">
			<xsl:text>, default "</xsl:text>
			<xsl:call-template name="esc">
				<xsl:with-param name="s" select="content/@default"/>
			</xsl:call-template>
			<xsl:text>"</xsl:text>
		</xsl:if>
		<xsl:text>)&#10;</xsl:text>
		<xsl:call-template name="line">
			<xsl:with-param name="s" select="longdesc"/>
		</xsl:call-template>
	</xsl:for-each>

	<xsl:text>.SH SUPPORTED ACTIONS&#10;</xsl:text>
	<xsl:text>.PP&#10;Suggested minimum timeouts and intervals, from the meta-data:&#10;</xsl:text>
	<xsl:for-each select="actions/action">
		<xsl:text>.TP&#10;\fB</xsl:text><xsl:value-of select="@name"/><xsl:text>\fR&#10;</xsl:text>
		<xsl:text>timeout </xsl:text><xsl:value-of select="@timeout"/>
		<xsl:if test="@interval">
			<xsl:text>, interval </xsl:text><xsl:value-of select="@interval"/>
		</xsl:if>
		<xsl:if test="@depth">
			<xsl:text>, depth (OCF_CHECK_LEVEL) </xsl:text><xsl:value-of select="@depth"/>
		</xsl:if>
		<xsl:value-of select="$nl"/>
	</xsl:for-each>

	<xsl:text>.SH EXAMPLE&#10;</xsl:text>
	<xsl:text>.PP&#10;A resource of this type in \fI/etc/relevo/relevo.conf\fR, with its required parameters:&#10;</xsl:text>
	<xsl:text>.PP&#10;.RS 4&#10;.nf&#10;</xsl:text>
	<xsl:text>[resource </xsl:text><xsl:value-of select="@name"/><xsl:text>]&#10;</xsl:text>
	<xsl:text>agent = ocf:</xsl:text><xsl:value-of select="$provider"/>
	<xsl:text>:</xsl:text><xsl:value-of select="@name"/><xsl:value-of select="$nl"/>
	<xsl:for-each select="parameters/parameter[@required = '1']">
		<xsl:text>param.</xsl:text><xsl:value-of select="@name"/>
		<xsl:text> = \fIvalue\fR&#10;</xsl:text>
	</xsl:for-each>
	<xsl:text>.fi&#10;.RE&#10;</xsl:text>
	<xsl:text>.PP&#10;The same agent under Pacemaker:&#10;</xsl:text>
	<xsl:text>.PP&#10;.RS 4&#10;.nf&#10;</xsl:text>
	<xsl:text>crm_resource \-\-show\-metadata ocf:</xsl:text><xsl:value-of select="$provider"/>
	<xsl:text>:</xsl:text><xsl:value-of select="@name"/><xsl:value-of select="$nl"/>
	<xsl:text>.fi&#10;.RE&#10;</xsl:text>

	<xsl:text>.SH SEE ALSO&#10;</xsl:text>
	<xsl:text>.BR relevo.conf (5),&#10;.BR relevod (8),&#10;.BR crm_resource (8)&#10;</xsl:text>
</xsl:template>

</xsl:stylesheet>
