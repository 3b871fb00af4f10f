"""US states, DC and territories -> IANA zones; ZIP prefixes -> state and zones.

Maintained by hand from the IANA tz database (zone.tab comments), the US DOT time-zone boundaries
(49 CFR part 71) and USPS ZIP prefix allocations. Where a ZIP3 area straddles a zone boundary, or
where we are not sure, it lists every zone it may touch: RULES.md RF-TIME-3 makes every location the
facts indicate count, so an extra zone only narrows the window (the safe failure).

Informal local practice is *not* encoded (Phenix City AL on Eastern, Kenton OK on Mountain):
Vinson v. Credit Control Services (D. Mass. 2012, RULES.md (c) 2) held that the legal standard zone
under the Uniform Time Act governs. The Navajo Nation's DST is official tribal time, so its Arizona
ZIP codes add America/Denver (RULES.md (c) 2), while the rest of Arizona is America/Phoenix.
"""

from __future__ import annotations

NY, CHI, DEN, LA = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"
PHX, BOISE, DETROIT, MENOMINEE = (
    "America/Phoenix",
    "America/Boise",
    "America/Detroit",
    "America/Menominee",
)
IND = "America/Indiana/Indianapolis"
IN_KNOX, IN_TELL_CITY = "America/Indiana/Knox", "America/Indiana/Tell_City"
IN_MARENGO, IN_PETERSBURG = "America/Indiana/Marengo", "America/Indiana/Petersburg"
IN_VEVAY, IN_VINCENNES, IN_WINAMAC = (
    "America/Indiana/Vevay",
    "America/Indiana/Vincennes",
    "America/Indiana/Winamac",
)
KY_LOUISVILLE, KY_MONTICELLO = "America/Kentucky/Louisville", "America/Kentucky/Monticello"
ND_CENTER, ND_NEW_SALEM, ND_BEULAH = (
    "America/North_Dakota/Center",
    "America/North_Dakota/New_Salem",
    "America/North_Dakota/Beulah",
)
ALASKA = (
    "America/Anchorage",
    "America/Juneau",
    "America/Sitka",
    "America/Metlakatla",
    "America/Yakutat",
    "America/Nome",
    "America/Adak",
)
HONOLULU = "Pacific/Honolulu"

# Every zone of each state: split states list all of theirs.
STATE_ZONES: dict[str, tuple[str, ...]] = {
    "AL": (CHI,),
    "AK": ALASKA,
    "AZ": (PHX,),  # Navajo Nation ZIPs add Denver: see NAVAJO_AZ_ZIP5
    "AR": (CHI,),
    "CA": (LA,),
    "CO": (DEN,),
    "CT": (NY,),
    "DE": (NY,),
    "DC": (NY,),
    "FL": (NY, CHI),  # Panhandle west of the Apalachicola River is Central
    "GA": (NY,),
    "HI": (HONOLULU,),
    "ID": (BOISE, LA),  # north of the Salmon River is Pacific
    "IL": (CHI,),
    "IN": (
        IND,
        IN_KNOX,
        IN_TELL_CITY,
        IN_MARENGO,
        IN_PETERSBURG,
        IN_VEVAY,
        IN_VINCENNES,
        IN_WINAMAC,
        CHI,  # Lake, Porter, LaPorte, Jasper, Newton; Gibson, Posey, Vanderburgh, Warrick, Spencer
    ),
    "IA": (CHI,),
    "KS": (CHI, DEN),  # Sherman, Wallace, Greeley, Hamilton are Mountain
    "KY": (NY, KY_LOUISVILLE, KY_MONTICELLO, CHI),
    "LA": (CHI,),
    "ME": (NY,),
    "MD": (NY,),
    "MA": (NY,),
    "MI": (DETROIT, MENOMINEE),  # Gogebic, Iron, Dickinson, Menominee are Central
    "MN": (CHI,),
    "MS": (CHI,),
    "MO": (CHI,),
    "MT": (DEN,),
    "NE": (CHI, DEN),
    "NV": (LA, DEN),  # West Wendover is officially Mountain
    "NH": (NY,),
    "NJ": (NY,),
    "NM": (DEN,),
    "NY": (NY,),
    "NC": (NY,),
    "ND": (CHI, DEN, ND_CENTER, ND_NEW_SALEM, ND_BEULAH),
    "OH": (NY,),
    "OK": (CHI,),
    "OR": (LA, BOISE),  # most of Malheur County is Mountain
    "PA": (NY,),
    "RI": (NY,),
    "SC": (NY,),
    "SD": (CHI, DEN),
    "TN": (CHI, NY),
    "TX": (CHI, DEN),  # El Paso and Hudspeth are Mountain
    "UT": (DEN,),
    "VT": (NY,),
    "VA": (NY,),
    "WA": (LA,),
    "WV": (NY,),
    "WI": (CHI,),
    "WY": (DEN,),
}

# Territories: used only when the address is there (contract: "territories only when the address
# is there"), never in the all-US fallback.
TERRITORY_ZONES: dict[str, tuple[str, ...]] = {
    "PR": ("America/Puerto_Rico",),
    "VI": ("America/St_Thomas",),
    "GU": ("Pacific/Guam",),
    "MP": ("Pacific/Saipan",),
    "AS": ("Pacific/Pago_Pago",),
    "UM": ("Pacific/Midway", "Pacific/Wake"),
}

# Military post offices (APO/FPO): the address says nothing about where the borrower is.
MILITARY_REGIONS = frozenset({"AA", "AE", "AP"})

# ZIP3 ranges (inclusive) -> state, territory or military region.
ZIP3_RANGES: tuple[tuple[int, int, str], ...] = (
    (5, 5, "NY"), (6, 7, "PR"), (8, 8, "VI"), (9, 9, "PR"),
    (10, 27, "MA"), (28, 29, "RI"), (30, 38, "NH"), (39, 49, "ME"),
    (50, 54, "VT"), (55, 55, "MA"), (56, 59, "VT"), (60, 69, "CT"),
    (70, 89, "NJ"), (90, 99, "AE"), (100, 149, "NY"), (150, 196, "PA"),
    (197, 199, "DE"), (200, 200, "DC"), (201, 201, "VA"), (202, 205, "DC"),
    (206, 219, "MD"), (220, 246, "VA"), (247, 268, "WV"), (270, 289, "NC"),
    (290, 299, "SC"), (300, 319, "GA"), (320, 339, "FL"), (340, 340, "AA"),
    (341, 349, "FL"), (350, 369, "AL"), (370, 385, "TN"), (386, 397, "MS"),
    (398, 399, "GA"), (400, 427, "KY"), (430, 459, "OH"), (460, 479, "IN"),
    (480, 499, "MI"), (500, 528, "IA"), (530, 549, "WI"), (550, 567, "MN"),
    (569, 569, "DC"), (570, 577, "SD"), (580, 588, "ND"), (590, 599, "MT"),
    (600, 629, "IL"), (630, 658, "MO"), (660, 679, "KS"), (680, 693, "NE"),
    (700, 714, "LA"), (716, 729, "AR"), (730, 732, "OK"), (733, 733, "TX"),
    (734, 749, "OK"), (750, 799, "TX"), (800, 816, "CO"), (820, 831, "WY"),
    (832, 838, "ID"), (840, 847, "UT"), (850, 865, "AZ"), (870, 884, "NM"),
    (885, 885, "TX"), (889, 898, "NV"), (900, 961, "CA"), (962, 966, "AP"),
    (967, 968, "HI"), (969, 969, "GU"), (970, 979, "OR"), (980, 994, "WA"),
    (995, 999, "AK"),
)  # fmt: skip

# ZIP3 prefixes of split states whose zones are narrower (or different) than the state's list.
# Prefixes of split states not listed here get the state's full list.
ZIP3_ZONES: dict[str, tuple[str, ...]] = {
    # Florida: 323 Tallahassee is Eastern; 324 straddles the Apalachicola (Gulf County is split);
    # 325 Pensacola is Central.
    **{f"{z}": (NY,) for z in (*range(320, 324), *range(326, 340), *range(341, 350))},
    "324": (CHI, NY),
    "325": (CHI,),
    # Indiana
    **{z: (IND,) for z in ("460", "461", "462", "466", "467", "468", "472", "473", "474", "478")},
    "463": (CHI, IND, IN_KNOX),  # Lake/Porter/LaPorte (Central) with Starke's North Judson
    "464": (CHI,),  # Gary
    "465": (IND, IN_KNOX),  # South Bend region incl. Starke County (Knox, Central)
    "469": (IND, IN_WINAMAC),  # Kokomo region incl. Pulaski County
    "470": (IND, IN_VEVAY),  # incl. Switzerland County
    "471": (IND, IN_MARENGO),  # Louisville's Indiana side incl. Crawford County
    "475": (CHI, IND, IN_VINCENNES, IN_PETERSBURG, IN_TELL_CITY),  # Perry, Pike, Dubois, Spencer
    "476": (CHI,),  # Posey, Warrick, Spencer, Gibson
    "477": (CHI,),  # Evansville
    "479": (CHI, IND, IN_WINAMAC),  # Lafayette with Jasper/Newton (Central) and Pulaski
    # Kentucky
    "400": (KY_LOUISVILLE,),
    "401": (KY_LOUISVILLE, CHI),  # Breckinridge and Grayson counties are Central
    "402": (KY_LOUISVILLE,),
    **{f"{z}": (NY,) for z in range(403, 419)},
    **{f"{z}": (CHI,) for z in range(420, 425)},
    "425": (NY,),
    "426": (NY, CHI, KY_MONTICELLO),  # Wayne (Monticello) with Clinton and Russell (Central)
    "427": (NY, CHI),  # Hardin/Larue (Eastern) with Hart, Grayson, Adair (Central)
    # Tennessee
    **{f"{z}": (CHI,) for z in (370, 371, 372, 375, 380, 381, 382, 383, 384)},
    "373": (NY, CHI),  # Chattanooga region with Marion, Sequatchie, Bledsoe, Grundy (Central)
    "374": (NY,),
    **{f"{z}": (NY,) for z in range(376, 380)},
    "385": (CHI, NY),  # Cookeville/Crossville, next to the Eastern line
    # Texas: El Paso and Hudspeth are Mountain; Culberson is Central with Mountain use nearby
    **{f"{z}": (CHI,) for z in (733, *range(750, 798))},
    "798": (DEN, CHI),
    "799": (DEN,),
    "885": (DEN,),
    # Kansas: Sherman, Wallace (677) and Greeley, Hamilton (678) are Mountain
    **{f"{z}": (CHI,) for z in range(660, 680) if z not in (677, 678)},
    "677": (CHI, DEN),
    "678": (CHI, DEN),
    # Nebraska: the west and the panhandle are Mountain
    **{f"{z}": (CHI,) for z in range(680, 690)},
    "690": (CHI, DEN),
    "691": (CHI, DEN),
    "692": (CHI, DEN),  # Cherry County is split
    "693": (DEN,),
    # North Dakota: the southwest is Mountain; Oliver, Morton, Mercer have their own IANA zones
    **{f"{z}": (CHI,) for z in (580, 581, 582, 583, 584, 587)},
    "585": (CHI, DEN, ND_CENTER, ND_NEW_SALEM, ND_BEULAH),
    "586": (DEN, CHI),
    "588": (CHI, DEN),  # Williams (Central) and McKenzie (Mountain)
    # South Dakota: West River is Mountain
    **{f"{z}": (CHI,) for z in range(570, 575)},
    "575": (CHI, DEN),
    "576": (CHI, DEN),
    "577": (DEN,),
    # Oregon: Malheur County is Mountain
    **{f"{z}": (LA,) for z in range(970, 979)},
    "979": (LA, BOISE),
    # Idaho: the panhandle is Pacific; Idaho County is split
    **{f"{z}": (BOISE,) for z in (832, 833, 834, 836, 837)},
    "835": (LA, BOISE),
    "838": (LA,),
    # Michigan: Gogebic, Iron, Dickinson, Menominee are Central
    **{f"{z}": (DETROIT,) for z in range(480, 498)},
    "498": (DETROIT, MENOMINEE),
    "499": (DETROIT, MENOMINEE),
    # Nevada: West Wendover (898) is officially Mountain
    **{f"{z}": (LA,) for z in range(889, 898)},
    "898": (LA, DEN),
}

# ZIP5 codes whose zones differ from their ZIP3: Navajo Nation (observes DST, America/Denver, while
# the rest of Arizona does not), and the Pacific islands served by US ZIP codes.
NAVAJO_AZ_ZIP5 = frozenset(
    {
        "86020", "86031", "86033", "86035", "86044", "86045", "86053", "86054",
        "86502", "86503", "86504", "86505", "86506", "86507", "86508", "86510",
        "86511", "86512", "86514", "86515", "86520", "86535", "86538", "86540",
        "86544", "86545", "86547", "86556",
    }
)  # fmt: skip
ZIP5_REGION: dict[str, str] = {"96799": "AS", "96950": "MP", "96951": "MP", "96952": "MP"}
ZIP5_ZONES: dict[str, tuple[str, ...]] = {
    **{z: (PHX, DEN) for z in NAVAJO_AZ_ZIP5},
    "96939": ("Pacific/Palau",),
    "96940": ("Pacific/Palau",),
    "96941": ("Pacific/Pohnpei",),
    "96942": ("Pacific/Chuuk",),
    "96943": ("Pacific/Chuuk",),
    "96944": ("Pacific/Kosrae",),
    "96960": ("Pacific/Majuro",),
    "96970": ("Pacific/Kwajalein",),
}


_ZIP3_REGION: dict[str, str] = {
    f"{prefix:03d}": region for low, high, region in ZIP3_RANGES for prefix in range(low, high + 1)
}


def region_for_zip(zip5: str) -> str | None:
    """State/territory/military code for a 5-digit ZIP, or None if the prefix is not allocated."""
    return ZIP5_REGION.get(zip5) or _ZIP3_REGION.get(zip5[:3])


def zones_for_region(region: str) -> tuple[str, ...]:
    """Zones of a US state, DC or territory; () for military or unknown codes."""
    return STATE_ZONES.get(region) or TERRITORY_ZONES.get(region, ())


def zones_for_zip(zip5: str) -> tuple[str, ...]:
    """Zones a 5-digit ZIP indicates: ZIP5 exceptions, then split-state ZIP3s, then the state."""
    if zip5 in ZIP5_ZONES:
        return ZIP5_ZONES[zip5]
    region = region_for_zip(zip5)
    if region is None:
        return ()
    if region in STATE_ZONES and len(STATE_ZONES[region]) > 1:
        return ZIP3_ZONES.get(zip5[:3], STATE_ZONES[region])
    return zones_for_region(region)


# The zones of the 50 states and DC: the fallback when nothing narrower than "US" is known.
ALL_STATE_ZONES: tuple[str, ...] = tuple(
    sorted({zone for zones in STATE_ZONES.values() for zone in zones})
)
