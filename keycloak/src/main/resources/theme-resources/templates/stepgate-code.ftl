<#-- stepgate: enter a code. Enter in the field verifies (the first button); "send a new code" is its own button. -->
<#import "template.ftl" as layout>
<@layout.registrationLayout displayMessage=true; section>
    <#if section = "header">
        <#if stepgatePurpose = "mobile">${msg("stepgateMobileCodeTitle")}<#else>${msg("stepgateCodeTitle")}</#if>
    <#elseif section = "form">
        <p id="stepgate-instruction" class="${properties.kcFormHelperTextClass!}">
            <#if stepgateDestination??>
                ${msg("stepgateCodeSent." + stepgateMethod, stepgateDestination)}
            <#else>
                ${msg("stepgateCodeFrom." + stepgateMethod)}
            </#if>
        </p>
        <form id="stepgate-code" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
            <div class="${properties.kcFormGroupClass!}">
                <div class="${properties.kcFormGroupLabelClass!}">
                    <label for="code" class="${properties.kcFormLabelClass!} ${properties.kcLabelClass!}">${msg("stepgateCodeLabel." + stepgateMethod)}</label>
                </div>
                <span class="${properties.kcInputClass!}">
                    <input id="code" name="code" type="text" autocomplete="one-time-code" inputmode="numeric"
                           autofocus aria-invalid="<#if message?has_content && message.type = 'error'>true</#if>"/>
                </span>
            </div>
            <div class="${properties.kcFormGroupClass!}">
                <div class="${properties.kcFormActionGroupClass!}">
                    <button type="submit" name="verify" id="stepgate-verify"
                            class="${properties.kcButtonClass!} ${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!}">
                        ${msg("stepgateVerify")}
                    </button>
                    <#if stepgateCanResend>
                        <button type="submit" name="resend" id="stepgate-resend"
                                class="${properties.kcButtonClass!} ${properties.kcButtonSecondaryClass!} ${properties.kcButtonBlockClass!}">
                            ${msg("stepgateResend")}
                        </button>
                    </#if>
                    <#if stepgatePurpose = "mobile">
                        <button type="submit" name="back" id="stepgate-back"
                                class="${properties.kcButtonClass!} ${properties.kcButtonLinkClass!}">
                            ${msg("stepgateMobileChange")}
                        </button>
                    <#elseif stepgateCanChooseAnother>
                        <button type="submit" name="back" id="stepgate-back"
                                class="${properties.kcButtonClass!} ${properties.kcButtonLinkClass!}">
                            ${msg("stepgateChooseAnother")}
                        </button>
                    </#if>
                </div>
            </div>
        </form>
    </#if>
</@layout.registrationLayout>
