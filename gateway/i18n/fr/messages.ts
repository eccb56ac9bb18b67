/** Français : Messages envoyés et pages de leurs liens ; durées. */
import type { messages as english } from '../en/messages.js';

export const messages: Record<keyof typeof english, string> = {
  // Messages envoyés
  'message.sms_code':
    '{code} est votre code de vérification. Il expire dans {lifetime}. Ne le communiquez jamais.',
  'message.email_code.subject': 'Votre code de vérification',
  'message.email_code.body':
    "{code} est votre code de vérification.\n\nSaisissez-le sur la page de connexion pour confirmer que c'est bien vous. Il expire dans {lifetime} et ne fonctionne qu'une fois.\n\nSi vous n'avez pas essayé de vous connecter à l'instant, quelqu'un connaît peut-être votre mot de passe : changez-le et prévenez votre support.\n",
  'message.new_mobile.subject': 'Un nouveau numéro de mobile a été enregistré',
  'message.new_mobile.body':
    "Le numéro de mobile {mobile} vient d'être enregistré pour votre compte. Les codes de vérification y seront envoyés.\n\nSi ce n'était pas vous, prévenez immédiatement votre support : il peut supprimer ce numéro.\n",
  'message.new_network.subject': 'Nouvelle connexion à votre compte depuis un nouveau réseau',
  'message.new_network.body':
    "Votre compte vient d'être utilisé depuis un réseau sur lequel il n'avait pas encore été confirmé.\n\nQuand : {time}\nRéseau : {network}\n{place}Confirmé avec : {method}\n\nSi c'était vous, il n'y a rien à faire.\n\nSinon, ouvrez ce lien pour oublier ce réseau et déconnecter ses sessions, puis changez votre mot de passe et prévenez votre support :\n{link}\n\nLe lien fonctionne une fois, pendant 7 jours.\n",
  'message.new_network.place': 'Lieu approximatif : {place}\n',
  'message.mobile_removed.subject': 'Un numéro de mobile a été retiré de votre compte',
  'message.mobile_removed.body':
    "Le numéro de mobile {mobile} a été retiré de votre compte. Les codes de vérification n'y sont plus envoyés.\n\nSi vous ne vous y attendiez pas, prévenez votre support.\n",
  'message.credential_added.subject': 'Un moyen de confirmer votre identité a été ajouté à votre compte',
  'message.credential_added.body':
    "{method} vient d'être ajouté à votre compte pour confirmer votre identité.\n\nSi ce n'était pas vous, prévenez tout de suite votre support : il peut le retirer.\n",
  'message.credential_removed.subject': 'Un moyen de confirmer votre identité a été retiré de votre compte',
  'message.credential_removed.body':
    "{method} vient d'être retiré de votre compte.\n\nSi ce n'était pas vous, prévenez tout de suite votre support.\n",
  'network_revoke.title': 'Oublier ce réseau ?',
  'network_revoke.text':
    'Une connexion depuis {network} vous demandera de nouveau de confirmer votre identité, et chaque session ouverte depuis ce réseau sera déconnectée.',
  'network_revoke.submit': 'Oublier le réseau et déconnecter ses sessions',
  'network_revoke.done':
    'Le réseau {network} a été oublié et {count} session(s) ouverte(s) depuis ce réseau ont été déconnectée(s).',
  'error.revoke_link_invalid': "Ce lien n'est pas valide. Ouvrez le lien de l'e-mail tel qu'il a été envoyé.",
  'error.revoke_link_expired': 'Ce lien a expiré. Demandez à votre support d’oublier le réseau pour vous.',
  'error.revoke_link_used': 'Ce lien a déjà été utilisé : le réseau a été oublié à ce moment-là.',
  'message.temporary_code.subject': 'Un code de vérification temporaire a été émis pour vous',
  'message.temporary_code.body':
    "Votre support a émis un code de vérification temporaire pour votre compte. Il est valable jusqu'au {time}.\n\nSi vous ne l'avez pas demandé, prévenez immédiatement votre support : il peut le faire expirer, et vous aussi dans vos paramètres de connexion.\n",
  'duration.seconds.one': '{count} seconde',
  'duration.seconds.other': '{count} secondes',
  'duration.minutes.one': '{count} minute',
  'duration.minutes.other': '{count} minutes',
  'duration.hours.one': '{count} heure',
  'duration.hours.other': '{count} heures',
  'duration.days.one': '{count} jour',
  'duration.days.other': '{count} jours',
};
