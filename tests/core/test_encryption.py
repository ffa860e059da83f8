"""Finding 10.7: the ID-number encryption and its search hash survive a key rotation, and
`reencrypt_personal_data` moves every row onto the current keys, idempotently."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from customers.models import Customer, pii_hash
from customers.selectors import customer_search
from tests.factories import CustomerFactory, make_resident_id

pytestmark = pytest.mark.django_db

OLD_KEY = "old-secret-key-of-this-deployment-0123456789-abcdefghijklmnop"
NEW_KEY = "new-secret-key-of-this-deployment-9876543210-qrstuvwxyzabcdef"


def stored_id_number(customer) -> str:
    """The column as the database holds it (ciphertext), not as the field decrypts it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM customers_customer WHERE id = %s", [customer.pk])
        return cursor.fetchone()[0]


def reencrypt(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("reencrypt_personal_data", *args, verbosity=0, stdout=out)
    return out.getvalue()


@pytest.fixture
def old_key(settings):
    settings.SECRET_KEY = OLD_KEY
    settings.SECRET_KEY_FALLBACKS = []
    return settings


def test_finding_10_7_an_id_number_encrypted_with_the_old_secret_key_still_reads_after_rotation(old_key):
    customer = CustomerFactory(id_number=make_resident_id(1))

    old_key.SECRET_KEY, old_key.SECRET_KEY_FALLBACKS = NEW_KEY, [OLD_KEY]

    assert Customer.objects.get(pk=customer.pk).id_number == make_resident_id(1)


def test_finding_10_7_reencrypt_moves_every_row_to_the_current_key_so_the_fallback_can_go(old_key):
    customers = [CustomerFactory(id_number=make_resident_id(n)) for n in range(1, 6)]
    CustomerFactory(id_number=None)  # nothing to encrypt
    before = stored_id_number(customers[0])
    old_key.SECRET_KEY, old_key.SECRET_KEY_FALLBACKS = NEW_KEY, [OLD_KEY]

    output = reencrypt("--batch-size", "2")

    assert "customers.Customer: 6 checked, 5 rewritten" in output
    assert stored_id_number(customers[0]) != before
    old_key.SECRET_KEY_FALLBACKS = []  # the old key is gone for good
    for n, customer in enumerate(customers, start=1):
        assert Customer.objects.get(pk=customer.pk).id_number == make_resident_id(n)
    # Idempotent: a second run finds nothing left to do and writes nothing.
    again = stored_id_number(customers[0])
    assert "customers.Customer: 6 checked, 0 rewritten" in reencrypt()
    assert stored_id_number(customers[0]) == again


def test_finding_10_7_a_new_salt_first_reencrypts_under_it(settings):
    settings.SALT_KEY = ["old-salt"]
    customer = CustomerFactory(id_number=make_resident_id(2))
    settings.SALT_KEY = ["new-salt", "old-salt"]

    assert "1 rewritten" in reencrypt()

    settings.SALT_KEY = ["new-salt"]
    assert Customer.objects.get(pk=customer.pk).id_number == make_resident_id(2)


def test_finding_10_7_search_finds_an_id_number_hashed_with_the_old_key_until_and_after_the_rewrite(
    settings, agent, owner
):
    settings.PII_HASH_KEY, settings.PII_HASH_KEY_FALLBACKS = "old-hash-key", []
    owner.id_number = make_resident_id(3)
    owner.save()
    settings.PII_HASH_KEY, settings.PII_HASH_KEY_FALLBACKS = "new-hash-key", ["old-hash-key"]

    _query, found = customer_search(user=agent, text=make_resident_id(3))
    assert [c.pk for c in found] == [owner.pk]  # through the fallback

    assert "1 rewritten" in reencrypt()

    owner.refresh_from_db()
    assert owner.id_number_hash == pii_hash(make_resident_id(3))
    settings.PII_HASH_KEY_FALLBACKS = []
    _query, found = customer_search(user=agent, text=make_resident_id(3))
    assert [c.pk for c in found] == [owner.pk]


def test_finding_10_7_rows_no_key_opens_are_reported_and_left_untouched(old_key):
    customer = CustomerFactory(id_number=make_resident_id(4))
    ciphertext = stored_id_number(customer)
    old_key.SECRET_KEY, old_key.SECRET_KEY_FALLBACKS = NEW_KEY, []  # rotated without the fallback

    with pytest.raises(CommandError, match="SECRET_KEY_FALLBACKS"):
        reencrypt()

    assert stored_id_number(customer) == ciphertext  # not encrypted a second time
    old_key.SECRET_KEY_FALLBACKS = [OLD_KEY]
    assert Customer.objects.get(pk=customer.pk).id_number == make_resident_id(4)


def test_an_id_number_stored_in_clear_gets_encrypted():
    customer = CustomerFactory(id_number=make_resident_id(5))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer SET id_number = %s WHERE id = %s", [make_resident_id(5), customer.pk]
        )

    assert "1 rewritten" in reencrypt()

    assert stored_id_number(customer) != make_resident_id(5)
    assert Customer.objects.get(pk=customer.pk).id_number == make_resident_id(5)
