<#-- stepgate: choose how to confirm. One button per method stepgate offers; SMS and email send a code at once. -->
<#import "template.ftl" as layout>
<@layout.registrationLayout displayMessage=true; section>
    <#if section = "header">
        ${msg("stepgateTitle")}
    <#elseif section = "form">
        <p id="stepgate-intro" class="${properties.kcFormHelperTextClass!}">${msg("stepgateMethodsIntro")}</p>
        <form id="stepgate-methods" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
            <div class="${properties.kcFormGroupClass!}">
                <div class="${properties.kcFormActionGroupClass!}">
                    <#list stepgateMethods as method>
                        <button type="submit" name="choose" value="${method.id}" id="stepgate-choose-${method.id}"
                                class="${properties.kcButtonClass!} <#if method?is_first>${properties.kcButtonPrimaryClass!}<#else>${properties.kcButtonSecondaryClass!}</#if> ${properties.kcButtonBlockClass!}">
                            ${msg("stepgateChoose." + method.id, method.destination)}
                        </button>
                    </#list>
                </div>
            </div>
        </form>
    </#if>
</@layout.registrationLayout>
