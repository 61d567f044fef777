"""The CRM's record services, built together: what the web's records API and the CLI use."""

from __future__ import annotations

from dataclasses import dataclass

from ctid.core.phone import PhoneNormaliser
from ctid.crm.catalogue import Catalogue
from ctid.crm.customers import CustomerRecords
from ctid.crm.exporter import Exporter
from ctid.crm.follow_ups import FollowUps
from ctid.crm.importer import Importer
from ctid.crm.search_service import CustomerSearch
from ctid.crm.service import CustomerDirectory
from ctid.crm.vehicles import VehicleRecords
from ctid.crm.visits import VisitRecords
from ctid.storage.db import Database


@dataclass(frozen=True)
class CrmRecords:
    customers: CustomerRecords
    vehicles: VehicleRecords
    visits: VisitRecords
    catalogue: Catalogue
    follow_ups: FollowUps
    search: CustomerSearch
    imports: Importer
    exports: Exporter

    @classmethod
    def build(
        cls,
        db: Database,
        directory: CustomerDirectory,
        normaliser: PhoneNormaliser,
        follow_up_after_days: int = 3,
    ) -> CrmRecords:
        """One clock and one "today" for all of them: the directory's (the dealership's time zone)."""
        clock = directory.clock
        return cls(
            customers=CustomerRecords(db, directory, normaliser, clock),
            vehicles=VehicleRecords(db, directory.today, clock),
            visits=VisitRecords(db, directory.today, follow_up_after_days, clock),
            catalogue=Catalogue(db, clock),
            follow_ups=FollowUps(db, clock),
            search=CustomerSearch(db),
            imports=Importer(db, normaliser, directory.today, clock),
            exports=Exporter(db),
        )
