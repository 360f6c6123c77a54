"""The organisation that ``seed_demo`` builds: people, departments, project types, projects."""

from __future__ import annotations

from accounts.roles import ADMINISTRATOR, CONTRIBUTOR, CURATOR, READER

DEPARTMENTS = [
    "Information Technology",
    "Operations",
    "Finance",
    "Facilities & Estates",
    "Marketing & Communications",
]

PROJECT_TYPES = {
    "software": "Software & IT systems",
    "construction": "Construction & facilities",
    "product": "Product development",
    "change": "Organisational change",
    "infrastructure": "IT infrastructure",
    "events": "Marketing & events",
}

# username, first, last, department, job title, role
DEMO_USERS = [
    ("reader", "Rita", "Reed", "Finance", "Financial analyst", READER),
    ("contributor", "Colin", "Carter", "Information Technology", "Business analyst", CONTRIBUTOR),
    ("curator", "Clara", "Quinn", "Operations", "PMO knowledge lead", CURATOR),
    ("admin", "Adam", "Mills", "Information Technology", "PMO administrator", ADMINISTRATOR),
]

STAFF = [
    ("akhan", "Aisha", "Khan", "Information Technology", "Programme manager"),
    ("bnovak", "Bruno", "Novak", "Information Technology", "Solution architect"),
    ("cokafor", "Chidi", "Okafor", "Operations", "Operations manager"),
    ("dlarsen", "Dana", "Larsen", "Facilities & Estates", "Estates project manager"),
    ("efischer", "Elena", "Fischer", "Finance", "Finance business partner"),
    ("fmurphy", "Fergus", "Murphy", "Facilities & Estates", "Site manager"),
    ("gpatel", "Gita", "Patel", "Information Technology", "Test lead"),
    ("hsato", "Hiro", "Sato", "Information Technology", "Infrastructure engineer"),
    ("ijones", "Ifan", "Jones", "Marketing & Communications", "Events manager"),
    ("jmorales", "Julia", "Morales", "Marketing & Communications", "Campaign lead"),
    ("kwhite", "Kate", "White", "Operations", "Change manager"),
    ("lmensah", "Lucas", "Mensah", "Operations", "Process improvement lead"),
    ("mrossi", "Marta", "Rossi", "Information Technology", "Project manager"),
    ("nbrown", "Noah", "Brown", "Finance", "Procurement officer"),
    ("oadeyemi", "Ola", "Adeyemi", "Operations", "Product owner"),
    ("pkowalski", "Piotr", "Kowalski", "Information Technology", "Developer"),
    ("qnguyen", "Quynh", "Nguyen", "Marketing & Communications", "Product manager"),
    ("rsingh", "Ravi", "Singh", "Facilities & Estates", "Health and safety adviser"),
    ("sohara", "Siobhan", "O'Hara", "Finance", "Project accountant"),
    ("tberg", "Tomas", "Berg", "Information Technology", "Network engineer"),
]

# code, name, type, department, start (year, month), months, status, outcome, manager, description
PROJECTS = [
    ("ERP-2024", "Finance ERP replacement", "software", "Finance", (2024, 1), 18, "closed", "partial", "mrossi",
     "Replaced the ageing general ledger and purchasing system with a cloud ERP."),
    ("HQ-REFIT", "Head office refurbishment", "construction", "Facilities & Estates", (2024, 2), 14, "closed", "success", "dlarsen",
     "Refurbished four floors of the head office into flexible workspace while staff stayed on site."),
    ("NET-WAN", "Wide-area network renewal", "infrastructure", "Information Technology", (2024, 3), 9, "closed", "success", "tberg",
     "Moved 38 branch sites from leased lines to SD-WAN."),
    ("SUMMIT-24", "Customer summit 2024", "events", "Marketing & Communications", (2024, 3), 6, "closed", "success", "ijones",
     "Two-day customer conference for 900 guests with a partner exhibition."),
    ("HR-SELF", "HR self-service portal", "software", "Operations", (2024, 4), 10, "closed", "failed", "akhan",
     "Employee self-service for leave, expenses and personal data."),
    ("OPS-LEAN", "Warehouse lean programme", "change", "Operations", (2024, 5), 12, "closed", "partial", "lmensah",
     "Lean redesign of picking and packing in the two regional warehouses."),
    ("APP-MOBILE", "Field service mobile app", "product", "Operations", (2024, 6), 11, "closed", "success", "oadeyemi",
     "Mobile app for field engineers: job lists, parts, photos and customer sign-off."),
    ("DC-MOVE", "Data centre migration", "infrastructure", "Information Technology", (2024, 9), 10, "closed", "partial", "hsato",
     "Moved 240 servers from the on-site data centre to a co-location facility and the cloud."),
    ("DEPOT-N", "Northern depot build", "construction", "Facilities & Estates", (2024, 10), 16, "closed", "partial", "fmurphy",
     "New-build vehicle depot with workshop, offices and solar roof."),
    ("CRM-2025", "Sales CRM roll-out", "software", "Marketing & Communications", (2025, 1), 12, "closed", "success", "mrossi",
     "Single CRM for sales, marketing and customer service."),
    ("WAYS-WORK", "Hybrid ways of working", "change", "Operations", (2025, 2), 9, "closed", "success", "kwhite",
     "New hybrid working policy, desk booking and manager training."),
    ("LAUNCH-X2", "X2 sensor product launch", "product", "Marketing & Communications", (2025, 3), 10, "closed", "failed", "qnguyen",
     "Launch of the second-generation environmental sensor in three markets."),
    ("EXPO-25", "Trade expo stand 2025", "events", "Marketing & Communications", (2025, 5), 5, "closed", "partial", "jmorales",
     "Stand, demonstrations and lead capture at the sector's main trade exhibition."),
    ("CLOUD-ID", "Identity and single sign-on", "infrastructure", "Information Technology", (2025, 6), 8, "closed", "success", "bnovak",
     "Central identity provider, multi-factor authentication and single sign-on for 60 applications."),
    ("FIN-CLOSE", "Faster month-end close", "change", "Finance", (2025, 7), 9, "closed", "success", "efischer",
     "Cut month-end close from nine working days to five."),
    ("LAB-FITOUT", "Test laboratory fit-out", "construction", "Facilities & Estates", (2025, 9), 12, "active", None, "dlarsen",
     "Fit-out of a climate-controlled test laboratory in an existing warehouse unit."),
    ("DATA-PLAT", "Analytics data platform", "software", "Information Technology", (2025, 10), 14, "active", None, "akhan",
     "Cloud data platform and self-service reporting for operations and finance."),
    ("APP-PORTAL", "Customer self-service portal", "product", "Operations", (2026, 1), 12, "active", None, "oadeyemi",
     "Customer portal for orders, returns and service requests."),
    ("SUMMIT-26", "Customer summit 2026", "events", "Marketing & Communications", (2026, 4), 7, "active", None, "ijones",
     "Third customer summit, this time hybrid with a streamed programme."),
    ("ERP-2027", "ERP upgrade and procurement module", "software", "Finance", (2027, 2), 15, "planned", None, "mrossi",
     "Upgrade of the finance ERP and roll-out of its procurement module."),
]

# Projects the demo contributor belongs to (and can see project-only lessons of).
CONTRIBUTOR_PROJECTS = ["CRM-2025", "DATA-PLAT", "ERP-2027"]
