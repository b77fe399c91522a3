"""A fixed key and certificate whose payload, text and signature are known exactly
(Ed25519 is deterministic). The key is RFC 8032's first test vector."""

from datetime import date

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kamtibmas.certificates.qr import CertificateClaims
from kamtibmas.certificates.verify import KeyStatus, VerificationKey

PRIVATE_KEY = Ed25519PrivateKey.from_private_bytes(
    bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
)
PUBLIC_KEY = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
KID = "If4x36FUomE"
PUBLIC_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"

CLAIMS = CertificateClaims.for_holder(
    kid=KID,
    no="SKTLK/0042/IX/2025/Sek.Bks.Sel",
    iat=date(2025, 9, 1),
    exp=date(2025, 10, 1),
    unit="Polsek Bekasi Selatan",
    holder_name="Siti Aminah",
    items=["ktp", "atm"],
)
PAYLOAD = (
    b'{"exp":"2025-10-01","iat":"2025-09-01","items":["ktp","atm"],"kid":"If4x36FUomE",'
    b'"name":"S*** A*****","no":"SKTLK/0042/IX/2025/Sek.Bks.Sel","type":"SKTLK",'
    b'"unit":"Polsek Bekasi Selatan"}'
)
SIGNATURE = bytes.fromhex(
    "29baaecf9c28c3aef97624e6c90b48a01387fe060cbb24b5fbc7167b6f66efdc"
    "e67c59c3afec467aeb73ee4f357d5a197b4381eaba8afe75c38b6c74d6dcef0c"
)
TEXT = (
    "eyJleHAiOiIyMDI1LTEwLTAxIiwiaWF0IjoiMjAyNS0wOS0wMSIsIml0ZW1zIjpbImt0cCIsImF0bSJdLCJra"
    "WQiOiJJZjR4MzZGVW9tRSIsIm5hbWUiOiJTKioqIEEqKioqKiIsIm5vIjoiU0tUTEsvMDA0Mi9JWC8yMDI1L1"
    "Nlay5Ca3MuU2VsIiwidHlwZSI6IlNLVExLIiwidW5pdCI6IlBvbHNlayBCZWthc2kgU2VsYXRhbiJ9"
    ".Kbquz5wow675diTmyQtIoBOH_gYMuyS1-8cWe29m79zmfFnDr-xGeutz7k81fVoZe0OB6rqK_nXDi2x01tzvDA"
)
TODAY = date(2025, 9, 10)


def keys(status: KeyStatus = KeyStatus.ACTIVE) -> dict[str, VerificationKey]:
    return {KID: VerificationKey(kid=KID, public_key=PUBLIC_KEY, status=status)}
