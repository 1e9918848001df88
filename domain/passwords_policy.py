"""Which new passwords we accept: long enough and not among the common ones."""

from __future__ import annotations

from domain.errors import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 256

# Only entries of MIN_LENGTH or more matter: shorter ones fail the length
# rule first. Compared case-insensitively. Assembled by hand from the
# patterns that dominate published breach statistics (keyboard walks,
# counting, words with a year or a digit run, Russian words typed in the
# Latin layout), so it stays small and readable.
_COMMON = """
password password1 password12 password123 password1234 passw0rd p@ssw0rd
p@ssword pa55word pa$$word passwort motdepasse contrasena parol123 parola123
12345678 123456789 1234567890 0123456789 987654321 9876543210 87654321
11111111 111111111 1111111111 00000000 000000000 22222222 33333333 44444444
55555555 66666666 77777777 88888888 99999999 12341234 12121212 11223344
11112222 12344321 13131313 12312312 123123123 123321123 147258369 159753159
159357159 147852369 741852963 963852741 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y
q1w2e3r4 q1w2e3r4t5 1qaz2wsx 1qaz2wsx3edc zaq12wsx zaq1zaq1 zaq1xsw2
qwertyui qwertyuiop qwerty12 qwerty123 qwerty1234 qwerty123456 qwertyqwerty
asdfghjk asdfghjkl asdf1234 asdfasdf zxcvbnm1 zxcvbnm123 zxcvbnmm qazwsxedc
qazwsx123 1234qwer qwer1234 1234asdf abcd1234 abc12345 abcdefgh abcdefg1
a1b2c3d4 aa123456 aaaaaaaa abcabcabc iloveyou iloveyou1 iloveyou2 loveyou1
princess princess1 sunshine sunshine1 football football1 baseball basketball
superman superman1 batman123 spiderman starwars starwars1 pokemon1 whatever
trustno1 letmein1 letmein123 welcome1 welcome123 welcome2023 welcome2024
changeme changeme1 changeme123 default1 secret123 secret12 topsecret
administrator admin123 admin1234 admin12345 adminadmin administrator1 root1234
rootroot toortoor master12 master123 masterkey mustang1 michael1 jennifer
jordan23 charlie1 danielle jessica1 computer computer1 internet internet1
samsung1 iphone12 android1 google123 facebook microsoft linkedin1 dropbox1
chocolate cheese123 cookie123 monkey123 dragon123 dragon12 shadow12 shadow123
killer12 hunter12 hunter123 ranger12 soccer12 hockey12 summer12 summer2023
summer2024 winter2023 winter2024 spring2024 autumn2024 january1 september
november december qwerty2024 password2023 password2024 password2025
freedom1 whatever1 nothing1 blink182 metallica slipknot nirvana1 eminem12
myspace1 mypassword mypass123 passpass passpass1 password! password1!
qwerty1! abc123456 abcd12345 test1234 test12345 testtest tester123 guest123
user1234 login123 access14 access123 letmein! 88888888a 12345678a 123456789a
a12345678 q12345678 qq123456 zz123456 asd12345 asdasdasd qweqweqwe zxczxczxc
qweasdzxc qweasd123 1234567a 1234567q 7777777a 123qweasd 123qweasdzxc
123456qwe 123456abc 123456aa 123abc123 0987654321 lol12345 azerty123 azertyuiop
iloveu123 ihateyou lovelove babygirl babygirl1 angel123 beautiful butterfly
sweetheart flower123 rainbow1 sunflower elizabeth victoria alexander
christian anthony1 matthew1 benjamin1 veronika natasha1 svetlana kristina
ekaterina anastasia alexandr aleksandr vladimir dmitriy sergey123 andrey123
maksim123 nikita123 ivanov123 moskva123 russia123 rossiya1 parol1234 parolparol
privet123 qwertyuiop123 ytrewq123 kotik123 zvezda123 solnyshko lyubov123
spartak1 zenit123 cska1234 marina123 tatyana1 samsung123 nokia1234 lenovo123
xiaomi123 huawei123 dbrnjhbz gfhjkmgfhjkm ghjcnjgfhjkm qwertyasdfgh 1qazxsw2
zxcvbnmasdfghjkl poiuytrewq lkjhgfdsa mnbvcxz1 asdfghjkl1 1234abcd
"""

COMMON_PASSWORDS: frozenset[str] = frozenset(_COMMON.split())


def check_new_password(password: str) -> None:
    """Raise `InvalidInput` with a reason the user can act on."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"password must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"password must be at most {MAX_LENGTH} characters long")

    if _is_common(password):
        raise InvalidInput("password is too common; choose one that is harder to guess")


def _is_common(password: str) -> bool:
    folded = password.casefold()
    if folded in COMMON_PASSWORDS:
        return True

    # One or two characters repeated ("aaaaaaaa", "abababab") are as weak
    # as anything on the list.
    return len(set(folded)) <= 2
