/** Français : Pages de connexion, de confirmation, des méthodes et des paramètres. */
import type { pages as english } from '../en/pages.js';

export const pages: Record<keyof typeof english, string> = {
  // Connexion
  'login.title': 'Connexion',
  'login.username': "Nom d'utilisateur",
  'login.password': 'Mot de passe',
  'login.submit': 'Se connecter',
  'login.or': 'ou',
  'login.with_idp': "Se connecter avec votre fournisseur d'identité",
  'login.with': 'Se connecter avec {name}',
  'logout.title': 'Déconnexion',
  'logout.question':
    "Voulez-vous vous déconnecter ? Vous devrez vous reconnecter pour utiliser l'application.",
  'logout.submit': 'Se déconnecter',
  'logout.stay': 'Rester connecté',
  'signed_out.title': 'Déconnecté',
  'signed_out.text': 'Vous êtes déconnecté.',
  'signed_out.again': 'Se reconnecter',

  // Numéro de mobile
  'mobile.title': 'Ajoutez votre numéro de mobile',
  'mobile.why':
    "Nous vous enverrons un code par SMS pour confirmer que c'est bien vous lorsque vous vous connectez depuis un nouveau réseau.",
  'mobile.label': 'Numéro de mobile',
  'mobile.hint': 'Au format international, en commençant par + et l’indicatif du pays.',
  'mobile.send': 'M’envoyer un code par SMS',
  'mobile.decline.email': 'Pas maintenant — continuer par e-mail',
  'mobile.decline.authenticator': "Pas maintenant — continuer avec mon application d'authentification",
  'mobile.decline.other': 'Pas maintenant — continuer sans numéro de mobile',
  'mobile.code.title': 'Saisissez le code reçu par SMS',
  'mobile.code.sent': 'Nous avons envoyé un code au {destination}.',
  'mobile.code.label': 'Code reçu par SMS',
  'mobile.code.submit': 'Vérifier le numéro',
  'mobile.code.again': 'Utiliser un autre numéro ou renvoyer un code',

  // Confirmation
  'confirm.title': 'Confirmez votre identité',
  'confirm.none':
    'Votre compte ne permet encore aucun moyen de confirmer votre identité. Demandez un code temporaire à votre support.',
  'confirm.another': 'Essayer un autre moyen',
  'confirm.choose.title': "Choisissez comment confirmer que c'est bien vous",
  'confirm.choose.last_used': 'Utilisé la dernière fois',
  'confirm.choose.back': 'Retour',
  'confirm.new_mobile':
    "Vous venez d'ajouter le numéro de mobile {mobile}. Un numéro ajouté pendant une connexion ne peut pas confirmer cette même connexion : confirmez cette fois que c'est bien vous d'une autre manière. Dès votre prochaine connexion, les codes pourront y être envoyés par SMS.",
  'confirm.sign_out': 'Se déconnecter',
  'code.submit': 'Confirmer',
  'code.title': 'Saisissez votre code',
  'code.sent': 'Nous avons envoyé un code à {destination}.',
  'code.resend': 'Envoyer un nouveau code',
  'method.sms': 'SMS',
  'method.sms.send': 'Envoyer un code par SMS au {destination}',
  'method.sms.field': 'Code reçu par SMS',
  'method.sms.choice': 'Recevoir un code par SMS au {destination}',
  'method.email': 'E-mail',
  'method.email.send': 'Envoyer un code par e-mail à {destination}',
  'method.email.field': 'Code reçu par e-mail',
  'method.email.choice': 'Recevoir un code par e-mail à {destination}',
  'method.authenticator': "Application d'authentification",
  'method.authenticator.field': "Code de votre application d'authentification",
  'method.authenticator.choice': "Saisir le code affiché par votre application d'authentification",
  'method.temporary_code': 'Code temporaire de votre support',
  'method.temporary_code.field': 'Le code que votre support vous a donné',
  'method.temporary_code.choice': 'Saisir le code temporaire que votre support vous a donné',

  // Application d'authentification
  'authenticator.held': "Une application d'authentification est configurée.",
  'authenticator.held_on':
    "Une application d'authentification est configurée sur {device}, depuis le {time}.",
  'authenticator.means':
    "Vous pouvez confirmer que c'est bien vous avec le code qu'elle affiche, sans attendre de SMS ni d'e-mail.",
  'authenticator.pitch':
    "Utilisez une application d'authentification sur votre téléphone pour confirmer que c'est bien vous sans attendre de code.",
  'authenticator.remove': 'La supprimer',
  'authenticator.set_up': "Configurer une application d'authentification",
  'authenticator.set_up_new': "Configurer une nouvelle application d'authentification",
  'authenticator.replaces': "Une nouvelle application remplace celle configurée aujourd'hui.",
  'authenticator.enrol.scan':
    "Scannez ce code QR avec votre application d'authentification, puis saisissez le code à 6 chiffres qu'elle affiche.",
  'authenticator.enrol.qr': "Code QR pour votre application d'authentification",
  'authenticator.enrol.key': "Impossible de scanner ? Saisissez cette clé dans l'application :",
  'authenticator.enrol.device': 'Nom de cet appareil',
  'authenticator.enrol.device_hint': 'Pour le reconnaître plus tard, par exemple « Téléphone pro ».',
  'authenticator.enrol.code': "Code de l'application",
  'authenticator.enrol.submit': 'Activer',
  'authenticator.enrol.cancel': 'Annuler',
  'authenticator.refused': "Ce code n'est pas le bon. Vérifiez l'heure de votre téléphone et réessayez.",

  // Clés d'accès et clés de sécurité
  'method.webauthn': "Clé d'accès ou clé de sécurité",
  'webauthn.offer': "Utiliser une clé d'accès ou une clé de sécurité",
  'webauthn.use.title': "Utilisez votre clé d'accès",
  'webauthn.use.submit': "Utiliser votre clé d'accès",
  'webauthn.use.another': 'Choisir un autre moyen',
  'webauthn.status.ask': "Votre navigateur va vous demander votre clé d'accès ou votre clé de sécurité.",
  'webauthn.status.unsupported':
    "Ce navigateur ne sait pas utiliser les clés d'accès ni les clés de sécurité. Choisissez un autre moyen, ou un autre navigateur.",
  'webauthn.status.asking':
    'Suivez ce que demande votre navigateur : touchez votre clé, ou utilisez votre empreinte, votre visage ou votre code PIN.',
  'webauthn.status.failed': "Votre clé d'accès ou clé de sécurité n'a pas répondu ({error}). Réessayez.",
  'webauthn.noscript':
    "Les clés d'accès ont besoin de JavaScript : activez-le pour ce site, ou choisissez un autre moyen.",
  'webauthn.keys.title': "Clés d'accès et clés de sécurité",
  'webauthn.keys.none':
    "Aucune pour l'instant. Une clé d'accès confirme que c'est bien vous par votre empreinte, votre visage, un code PIN ou une clé de sécurité, et ne peut pas être hameçonnée.",
  'webauthn.keys.added': 'ajoutée le {date}',
  'webauthn.keys.last_used': 'utilisée pour la dernière fois le {date}',
  'webauthn.keys.not_used': 'pas encore utilisée',
  'webauthn.keys.remove': 'Supprimer {name}',
  'webauthn.keys.add': "Ajouter une clé d'accès ou une clé de sécurité",
  'webauthn.add.title': "Ajouter une clé d'accès ou une clé de sécurité",
  'webauthn.add.name': 'Un nom pour la reconnaître',
  'webauthn.add.submit': "L'ajouter",
  'webauthn.add.cancel': 'Annuler',
  'webauthn.default_name': 'Clé {number}',
  'webauthn.missing_answer':
    "Utilisez votre clé d'accès ou votre clé de sécurité : la réponse du navigateur manque.",
  'webauthn.not_asked':
    "Votre clé d'accès n'a pas été demandée, ou il y a trop longtemps. Utilisez-la à nouveau.",
  'webauthn.unknown_key': "Cette clé d'accès ou clé de sécurité n'est pas enregistrée pour votre compte.",
  'webauthn.not_verified': "Votre clé d'accès ou clé de sécurité n'a pas pu être vérifiée. Réessayez.",
  'webauthn.counter_reused':
    "Cette clé d'accès ou clé de sécurité a répondu avec un compteur de signatures déjà utilisé.",
  'webauthn.refused_proof': "Cette clé d'accès ou clé de sécurité n'a pas pu être ajoutée. Réessayez.",
  'webauthn.too_many':
    "Vous avez déjà {count} clés d'accès et clés de sécurité : supprimez-en une avant d'en ajouter une autre.",
  'webauthn.choose_key': 'Choisissez la clé à supprimer.',

  // Paramètres
  'settings.title': 'Vos paramètres de connexion',
  'settings.back': "Retour à l'application",
  'settings.intro':
    "Lorsque vous vous connectez depuis un réseau que vous n'avez jamais utilisé, vous confirmez que c'est bien vous de l'une de ces manières.",
  'settings.mobile': 'Numéro de mobile',
  'settings.mobile.none': 'Aucun enregistré.',
  'settings.mobile.means': 'Les codes y sont envoyés par SMS.',
  'settings.mobile.change': 'Changer de numéro de mobile',
  'settings.mobile.add': 'Ajouter un numéro de mobile',
  'settings.email': 'E-mail',
  'settings.email.none': 'Aucune sur votre compte.',
  'settings.email.means':
    "Les codes y sont envoyés lorsque vous n'avez pas de numéro de mobile, ou si votre organisation autorise l'e-mail.",
  'settings.temporary': 'Code temporaire',
  'settings.temporary.active': 'Un code temporaire de votre support est valable jusqu’au {time}.',
  'settings.temporary.none':
    "Aucun code temporaire n'est actif. Votre support peut vous en donner un si vous êtes bloqué.",
  'settings.temporary.expire': 'Le faire expirer maintenant',
  'settings.networks': 'Réseaux mémorisés',
  'settings.networks.means':
    "Vous avez confirmé que c'était bien vous depuis ces réseaux : s'y reconnecter ne demande pas de code.",
  'settings.networks.until':
    'Chacun est mémorisé pendant {duration} après votre dernière confirmation depuis celui-ci.',
  'settings.networks.none':
    "Aucun pour l'instant : la prochaine connexion depuis un nouveau réseau vous demandera de confirmer que c'est bien vous.",
  'settings.networks.network': 'Réseau',
  'settings.networks.first': 'Première confirmation',
  'settings.networks.last': 'Dernière confirmation',
  'settings.networks.method': 'Confirmé par',
  'settings.help_desk': 'Console du support',
  'settings.sign_out': 'Se déconnecter',
};
