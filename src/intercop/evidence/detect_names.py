"""What table and column names mean, in English and common Dutch, Portuguese,
German, Spanish and French spellings.

A name maps to a *concept* ("password", "user id", "host"), not straight to a role:
whether ``password`` holds hashes or typed plaintext, or whether ``ip`` in an attack
log is the customer's address or the victim's, is decided in ``detect`` together with
the values and the table's role.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from intercop.evidence.mapping import TableRole


class Concept(StrEnum):
    ROW_ID = "row id"
    USER_ID = "user id"
    USERNAME = "username"
    EMAIL = "e-mail"
    PAYPAL = "paypal e-mail"
    PASSWORD = "password"
    SALT = "salt"
    API_KEY = "api key"
    IP = "ip"
    HOST = "target host"
    PORT = "port"
    METHOD = "method"
    DURATION = "duration"
    TIME = "time"
    REGISTERED = "registration time"
    LAST_SEEN = "last seen"
    BIRTH = "birth date"
    PHONE = "phone"
    COUNTRY = "country"
    ADDRESS = "address"
    POSTCODE = "postcode"
    LOCALITY = "locality"
    REGION = "region"
    NATIONAL_ID = "national id"
    FIRST_NAME = "first name"
    LAST_NAME = "last name"
    DISPLAY_NAME = "name"
    BTC = "bitcoin address"
    PAYMENT_REF = "payment reference"
    AMOUNT = "amount"
    CURRENCY = "currency"
    USER_AGENT = "user agent"
    DISCORD = "discord"
    TELEGRAM = "telegram"
    SKYPE = "skype"
    JABBER = "jabber"
    ROLE = "role"
    TEXT = "text"
    SUBJECT = "subject"
    RECIPIENT = "recipient"
    STATUS = "status"
    EXPIRY = "expiry"
    PLAN = "plan"
    REFERRER = "referrer"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: names of a column holding a birth *year* (a year is not a date; see ``is_birth_year_name``)
_BIRTH_YEAR_NAMES = _words(
    "birthyear yearofbirth yob byear geboortejaar jaarvangeboorte anonascimento"
    " anodenascimento anonacimiento anodenacimiento geburtsjahr anneedenaissance"
    " anneenaissance syntymavuosi fodelsear"
)
_BIRTH_WORDS = _words("birth born geboorte nascimento nacimiento geburt naissance")
_YEAR_WORDS = _words("year yr jaar ano jahr annee")

# Exact names, compared without separators or accents ("E-Mail" == "email").
_EXACT: dict[Concept, frozenset[str]] = {
    Concept.ROW_ID: _words("id pk rowid recid recordid"),
    Concept.USER_ID: _words(
        "uid userid memberid accountid customerid clientid ownerid fromid fromuid senderid"
        " authorid posterid createdby klantid gebruikerid usuarioid idusuario utilizadorid"
        " clienteid idcliente kundeid benutzerid utilisateurid iduser idutilisateur user"
    ),
    Concept.USERNAME: _words(
        "username uname login loginname nick nickname handle gebruikersnaam gebruiker"
        " usuario nomeusuario nomedeusuario utilizador benutzername benutzer utilisateur"
        " pseudo nomutilisateur nombreusuario screenname author poster postername"
        " member inlognaam membername memberlogin accountname userlogin loginname nomeutilizador"
    ),
    Concept.EMAIL: _words(
        "email mail emailaddress emailadres mailadres emailadresse correo correoelectronico"
        " courriel adresseemail adressemail enderecoemail useremail sahkoposti epost"
    ),
    Concept.PAYPAL: _words(
        "paypal paypalemail payeremail ppemail paypalaccount paypalmail paypaladdress"
    ),
    Concept.PASSWORD: _words(
        "password pass passwd pwd pw wachtwoord senha contrasena contrasenha passwort kennwort"
        " motdepasse mdp clave passwordhash passhash hash pwhash passhashed hashedpassword"
        " salasana losenord userpassword"
    ),
    Concept.SALT: _words("salt passwordsalt pwsalt passsalt zout"),
    Concept.API_KEY: _words(
        "apikey apitoken token authtoken accesstoken secret apisecret loginkey remembertoken"
        " rememberme chaveapi apischluessel cleapi"
    ),
    Concept.IP: _words(
        "ip ipaddress ipaddr regip lastip registerip signupip loginip remoteaddr clientip"
        " ipadres ipadresse enderecoip direccionip adresseip userip sourceip srcip useraddr"
        " lastloginip registrationip createdip"
    ),
    Concept.HOST: _words(
        "host hostname target targetip targethost victim doel alvo ziel cible objetivo"
        " objectif url domain website site dest destination"
    ),
    Concept.PORT: _words("port poort porta puerto targetport dport"),
    Concept.METHOD: _words(
        "method methode metodo attackmethod attacktype layer vector mode gateway"
        " paymentmethod betaalmethode metodopagamento"
    ),
    Concept.DURATION: _words(
        "duration duur duracao dauer duree duracion length seconds secs boottime attacktime tempo"
    ),
    Concept.TIME: _words(
        "date time datetime timestamp dateline created createdat datum tijd tijdstip data"
        " datahora fecha fechahora zeit zeitpunkt dateheure heure loggedat logintime logindate"
        " attackdate startedat starttime paidat paymentdate sentat posted postedat ts when"
        " moment aangemaakt criado criadoem erstellt creele date_time datecreated"
    ),
    Concept.REGISTERED: _words(
        "regdate registered registeredat registrationdate registration joined joindate"
        " signupdate signup datumregistratie registratiedatum aangemeld dataregisto"
        " dataregistro datacadastro cadastro fecharegistro registriert dateinscription"
        " inscription membersince"
    ),
    Concept.LAST_SEEN: _words(
        "lastvisit lastactive lastlogin lastseen laatstgezien laatstelogin laatstebezoek"
        " ultimoacesso ultimologin ultimoacceso letzterlogin derniereconnexion lastactivity"
    ),
    Concept.BIRTH: _words(
        "birthday birthdate dob dateofbirth geboortedatum geboortedag verjaardag"
        " datanascimento nascimento fechanacimiento geburtsdatum geburtstag datenaissance"
        " naissance syntymaaika fodelsedag"
    )
    | _BIRTH_YEAR_NAMES,
    Concept.PHONE: _words(
        "phone phonenumber telephone tel telefoon telefoonnummer mobiel gsm telefon"
        " telefonnummer handy telefone telemovel celular telefono movil portable mobile"
        " cellphone msisdn"
    ),
    Concept.COUNTRY: _words(
        "country countrycode land landcode pais pays cc nation geo countryname"
    ),
    Concept.ADDRESS: _words(
        "address adres adresse endereco direccion street straat strasse rua calle rue"
        " streetaddress streetname streetnumber streetno housenumber houseno huisnummer"
        " straatnaam hausnummer strassenname numerocasa morada domicilio"
        " addressline1 addressline2 address1 address2 adresse1 adresse2"
    ),
    Concept.POSTCODE: _words(
        "zip zipcode postcode postalcode plz postleitzahl cep codigopostal codepostal"
        " postnummer postinumero postnr"
    ),
    Concept.LOCALITY: _words(
        "city town suburb locality plaats woonplaats stad stadt ort wohnort cidade"
        " localidade ciudad localidad poblacion ville commune municipality gemeente"
        " kaupunki"
    ),
    Concept.REGION: _words(
        "province provincie provincia bundesland region regio regiao county canton"
        " kanton departement"
    ),
    Concept.NATIONAL_ID: _words(
        "ssn socsecid socsec socialsecurity socialsecuritynumber socialsecurityid"
        " nationalid nationalidnumber nationalnumber bsn burgerservicenummer sofinummer"
        " nif nie dni cpf nir steuerid steueridentifikationsnummer personnummer"
        " henkilotunnus hetu nino nationalinsurancenumber"
    ),
    Concept.FIRST_NAME: _words(
        "firstname fname givenname voornaam vorname nombre prenom primeironome"
    ),
    Concept.LAST_NAME: _words(
        "lastname lname surname familyname achternaam nachname apellido apellidos nom"
        " sobrenome apelido"
    ),
    Concept.DISPLAY_NAME: _words(
        "name displayname fullname naam volledigenaam nome nomecompleto nombrecompleto realname"
    ),
    Concept.BTC: _words(
        "btc bitcoin btcaddress bitcoinaddress wallet walletaddress cryptoaddress adresbtc"
        " carteira billetera depositaddress btcaddr paymentaddress enderecobtc"
    ),
    Concept.PAYMENT_REF: _words(
        "txnid transactionid transaction txid txhash invoice invoiceid orderid paymentid"
        " reference ref referentie referencia transacao idtransacao transaccion factuur"
        " fatura factura rechnung facture paypaltxn saleid chargeid"
    ),
    Concept.AMOUNT: _words(
        "amount price bedrag valor quantia betrag preis montant prix importe precio monto"
        " total paid prijs preco cost"
    ),
    Concept.CURRENCY: _words("currency valuta munteenheid moeda waehrung wahrung devise moneda"),
    Concept.USER_AGENT: _words("useragent ua browser agent httpuseragent navegador"),
    Concept.DISCORD: _words("discord discordid discordtag"),
    Concept.TELEGRAM: _words("telegram tg telegramid"),
    Concept.SKYPE: _words("skype skypeid"),
    Concept.JABBER: _words("jabber xmpp jid"),
    Concept.ROLE: _words(
        "role rol rank usergroup group groupid level userlevel accesslevel isadmin admin"
        " funcao papel rolle grupo groep usertype accounttype"
    ),
    Concept.TEXT: _words(
        "message msg body content text post bericht inhoud tekst mensagem conteudo texto"
        " nachricht inhalt contenu mensaje contenido comment reply"
    ),
    Concept.SUBJECT: _words("subject title onderwerp titel assunto titulo asunto betreff sujet"),
    Concept.RECIPIENT: _words(
        "toid touid recipient recipientid recipients receiver receiverid to touser ontvanger"
        " destinatario empfaenger destinataire"
    ),
    Concept.STATUS: _words("status state success result succeeded geslaagd sucesso estado"),
    Concept.EXPIRY: _words(
        "expire expires expiry expiration expiresat vervaldatum verloopt validade expira ablauf"
    ),
    Concept.PLAN: _words("plan package membership abonnement pacote plano paket"),
    Concept.REFERRER: _words("referrer referredby referral refby referrerid affiliate"),
}

# Word parts of longer names ("last_login_ip", "user_email"), checked in this order.
_PARTS: tuple[tuple[Concept, frozenset[str]], ...] = (
    (Concept.PAYPAL, _words("paypal payer")),
    (Concept.SALT, _words("salt")),
    (Concept.API_KEY, _words("apikey token loginkey")),
    (Concept.PASSWORD, _words("password passwd wachtwoord senha passwort")),
    (Concept.IP, _words("ip ipaddress")),
    (Concept.EMAIL, _words("email mail")),
    (Concept.BTC, _words("btc bitcoin wallet")),
    (Concept.USER_AGENT, _words("useragent agent")),
    (Concept.EXPIRY, _words("expire expires expiry")),
    (Concept.REGISTERED, _words("registered registration regdate signup")),
    (Concept.LAST_SEEN, _words("lastlogin lastvisit lastseen lastactive")),
    (Concept.BIRTH, _words("birth birthday")),
    (Concept.PHONE, _words("phone telefoon telefone")),
    (Concept.PAYMENT_REF, _words("txn transaction invoice")),
    (Concept.RECIPIENT, _words("recipient receiver")),
    (Concept.AMOUNT, _words("amount price")),
    (Concept.HOST, _words("target host url domain")),
    (Concept.PORT, _words("port")),
    (Concept.USERNAME, _words("username membername")),
    (Concept.NATIONAL_ID, _words("socsec ssn nationalid socialsecurity bsn")),
    (Concept.POSTCODE, _words("postcode zipcode zip postalcode")),
    (Concept.ADDRESS, _words("address street adres adresse straat strasse")),
    (Concept.LOCALITY, _words("city suburb town")),
    (Concept.TIME, _words("date time at")),
)

_TABLES: dict[TableRole, frozenset[str]] = {
    TableRole.USERS: _words(
        "users user members member accounts account customers customer clients gebruikers"
        " leden klanten usuarios utilizadores clientes benutzer mitglieder kunden"
        " utilisateurs membres kayttajat anvandare"
    ),
    TableRole.LOGINS: _words(
        "logins login loginlogs loginlog loginhistory logs_login sessions session iplogs"
        " accesslog inlogs inloggen inlogpogingen aanmeldingen historicologin"
        " historicoacessos acessos loginattempts accesos anmeldungen connexions userlogs"
    ),
    TableRole.ATTACKS: _words(
        "attacks attack attacklogs attacklog boots bootlogs floods stress stresses stresslogs"
        " aanvallen aanval ataques ataque angriffe attaques"
    ),
    TableRole.PAYMENTS: _words(
        "payments payment transactions orders invoices purchases betalingen betaling"
        " pagamentos pagamento pagos zahlungen paiements facturen faturas cryptopayments"
        " btcpayments deposits paypal paypallogs sales"
    ),
    TableRole.POSTS: _words("posts post threads comments replies"),
    TableRole.MESSAGES: _words(
        "messages privatemessages pms pm chat chats shoutbox conversations mensagens"
        " mensajes nachrichten berichten chatlogs"
    ),
    TableRole.TICKETS: _words(
        "tickets ticket support supporttickets ticketreplies suporte chamados soporte"
    ),
}

# Parts of table names ("user_login_history", "tblAttacks").
_TABLE_PARTS: tuple[tuple[TableRole, tuple[str, ...]], ...] = (
    (TableRole.LOGINS, ("login", "inlog", "session", "acesso", "anmeld")),
    (TableRole.ATTACKS, ("attack", "aanval", "ataque", "angriff", "flood", "boot")),
    (TableRole.PAYMENTS, ("payment", "pagamento", "betaling", "transac", "invoice", "zahlung")),
    (TableRole.TICKETS, ("ticket", "suporte", "support")),
    (TableRole.MESSAGES, ("message", "mensag", "bericht", "chat", "privmsg")),
    (TableRole.POSTS, ("post", "thread", "comment")),
    (TableRole.USERS, ("users", "member", "usuario", "gebruiker", "account", "customer")),
)

_ID_WORDS = _words("id uid nr no")
_USER_WORDS = _words(
    "user member account customer client klant gebruiker usuario utilizador cliente kunde"
    " benutzer utilisateur owner author poster sender from"
)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def words(name: str) -> list[str]:
    """The lower-case, accent-free words of a name (snake, kebab or camel case)."""
    text = unicodedata.normalize("NFKD", _CAMEL.sub("_", name))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return [w for w in re.split(r"[^a-z0-9]+", text) if w]


def compact(name: str) -> str:
    return "".join(words(name))


def column_concept(name: str) -> tuple[Concept, str] | None:
    """The concept a column name stands for and how it was matched, or None."""
    key = compact(name)
    for concept, names in _EXACT.items():
        if key in names:
            return concept, f"name '{name}'"
    parts = words(name)
    if len(parts) >= 2 and set(parts) & _ID_WORDS and set(parts) & _USER_WORDS:
        return Concept.USER_ID, f"name '{name}' (an id of a user)"
    joined = {"".join(parts[i : i + 2]) for i in range(len(parts))} | set(parts)
    for concept, names in _PARTS:
        hit = joined & names
        if hit:
            return concept, f"name '{name}' (contains '{sorted(hit)[0]}')"
    return None


def is_birth_year_name(name: str) -> bool:
    """Whether a column name says it holds a year of birth (``birth_year``, ``yob``)."""
    parts = set(words(name))
    return compact(name) in _BIRTH_YEAR_NAMES or bool(parts & _BIRTH_WORDS and parts & _YEAR_WORDS)


def table_prefix(names: list[str]) -> str:
    """A prefix shared by most table names (``mybb_``, ``wp_``), or ''."""
    counts: dict[str, int] = {}
    for n in names:
        head, sep, _ = n.partition("_")
        if sep:
            counts[head + "_"] = counts.get(head + "_", 0) + 1
    best = max(counts.items(), key=lambda kv: kv[1], default=("", 0))
    return best[0] if len(names) >= 2 and best[1] >= max(2, len(names) // 2) else ""


def table_role_by_name(name: str, prefix: str = "") -> tuple[TableRole, int, str] | None:
    """Role suggested by a table name, with a weight (5 exact, 3 partial) and the why."""
    bare = name[len(prefix) :] if prefix and name.startswith(prefix) else name
    key = compact(bare)
    for role, names in _TABLES.items():
        if key in names:
            return role, 5, f"name '{name}'"
    for role, parts in _TABLE_PARTS:
        for part in parts:
            if part in key:
                return role, 3, f"name '{name}' (contains '{part}')"
    return None
