<#-- stepgate: register a mobile number, proved by a texted code; "not now" when the policy allows declining. -->
<#import "template.ftl" as layout>
<@layout.registrationLayout displayMessage=true; section>
    <#if section = "header">
        ${msg("stepgateMobileTitle")}
    <#elseif section = "form">
        <p id="stepgate-intro" class="${properties.kcFormHelperTextClass!}">${msg("stepgateMobileIntro")}</p>
        <form id="stepgate-mobile" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
            <div class="${properties.kcFormGroupClass!}">
                <div class="${properties.kcFormGroupLabelClass!}">
                    <label for="phone" class="${properties.kcFormLabelClass!} ${properties.kcLabelClass!}">${msg("stepgateMobileLabel")}</label>
                </div>
                <span class="${properties.kcInputClass!}">
                    <input id="phone" name="phone" type="tel" autocomplete="tel" autofocus aria-describedby="stepgate-phone-hint"/>
                </span>
                <p id="stepgate-phone-hint" class="${properties.kcFormHelperTextClass!}">${msg("stepgateMobileHint")}</p>
            </div>
            <div class="${properties.kcFormGroupClass!}">
                <div class="${properties.kcFormActionGroupClass!}">
                    <button type="submit" name="register" id="stepgate-register"
                            class="${properties.kcButtonClass!} ${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!}">
                        ${msg("stepgateMobileSend")}
                    </button>
                    <#if stepgateAllowDecline>
                        <button type="submit" name="decline" id="stepgate-decline"
                                class="${properties.kcButtonClass!} ${properties.kcButtonSecondaryClass!} ${properties.kcButtonBlockClass!}">
                            ${msg("stepgateMobileDecline")}
                        </button>
                    </#if>
                </div>
            </div>
        </form>
    </#if>
</@layout.registrationLayout>
