"""US area codes that span more than one time zone -> every zone they span.

Why: ``phonenumbers.timezone`` (9.0.x) gives one zone for many split area codes (850 -> New York
only, although the western Panhandle is Central; 270 -> New York only, although most of western
Kentucky is Central; 605/701 -> no Central zone). A dialer that trusts that answer calls
Pensacola at 7 a.m. (RULES.md RF-TIME-3 and (c) 2: "split area codes (e.g., 850; some Indiana
and Kentucky codes)"). We take the union of the library's answer and this table; the tests in
tests/unit/policy record what the library returns, so an upgrade that changes it is noticed.

Overlays share their parent's entry. Informal local practice is not encoded (see us_states.py).
"""

from __future__ import annotations

from outreach.policy.data.us_states import (
    ALASKA,
    BOISE,
    CHI,
    DEN,
    DETROIT,
    IN_KNOX,
    IN_MARENGO,
    IN_PETERSBURG,
    IN_TELL_CITY,
    IN_VEVAY,
    IN_VINCENNES,
    IN_WINAMAC,
    IND,
    KY_LOUISVILLE,
    KY_MONTICELLO,
    LA,
    MENOMINEE,
    ND_BEULAH,
    ND_CENTER,
    ND_NEW_SALEM,
    NY,
    PHX,
)

_SOUTHERN_INDIANA = (CHI, IND, IN_VINCENNES, IN_PETERSBURG, IN_TELL_CITY, IN_MARENGO, IN_VEVAY)

SPLIT_AREA_CODES: dict[str, tuple[str, ...]] = {
    # Florida Panhandle: Tallahassee Eastern, Panama City and Pensacola Central
    "850": (NY, CHI),
    "448": (NY, CHI),
    # Indiana
    "219": (CHI, IND, IN_KNOX, IN_WINAMAC),  # Lake/Porter/LaPorte/Jasper/Newton, parts of Starke
    "574": (IND, IN_KNOX, IN_WINAMAC),  # South Bend/Elkhart with Starke (Central) and Pulaski
    "812": _SOUTHERN_INDIANA,  # Evansville (Central) to Bloomington and the Ohio River (Eastern)
    "930": _SOUTHERN_INDIANA,
    # Kentucky
    "270": (CHI, NY, KY_LOUISVILLE),  # western KY Central; Hardin, Larue, Meade, Taylor Eastern
    "364": (CHI, NY, KY_LOUISVILLE),
    "606": (NY, KY_MONTICELLO, CHI),  # eastern KY with Wayne (Monticello) and Clinton (Central)
    # Tennessee
    "423": (NY, CHI),  # Chattanooga/Tri-Cities Eastern; Marion, Sequatchie, Bledsoe Central
    "931": (CHI, NY),  # Middle TN Central, next to the Eastern line on the Cumberland Plateau
    # Texas
    "915": (DEN, CHI),  # El Paso/Hudspeth Mountain, next to Central West Texas
    "432": (CHI, DEN),  # Midland/Odessa Central; Culberson/Guadalupe Mountains use Mountain
    # Kansas
    "620": (CHI, DEN),  # Greeley and Hamilton counties are Mountain
    "785": (CHI, DEN),  # Sherman and Wallace counties are Mountain
    # Nebraska
    "308": (CHI, DEN),  # western Nebraska and the panhandle are Mountain
    # Dakotas
    "605": (CHI, DEN),  # West River is Mountain
    "701": (CHI, DEN, ND_CENTER, ND_NEW_SALEM, ND_BEULAH),
    # Pacific Northwest
    "208": (BOISE, LA),  # north Idaho is Pacific
    "986": (BOISE, LA),
    "541": (LA, BOISE),  # Malheur County, Oregon is Mountain
    "458": (LA, BOISE),
    # Michigan's Upper Peninsula: four counties on the Wisconsin border are Central
    "906": (DETROIT, MENOMINEE),
    # Nevada: West Wendover is Mountain
    "775": (LA, DEN),
    # Arizona: the Navajo Nation observes DST (Mountain Daylight Time)
    "928": (PHX, DEN),
    # Alaska: Adak (Aleutians west of 169.5 W) is an hour behind the rest
    "907": ALASKA,
}
