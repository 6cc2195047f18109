#!/usr/bin/env python3
"""Build mlcarbon's cloud tables (regions, providers, equivalents, cloud constants, cloud sources).

Usage: python3 regions_build.py [REFERENCE_DIR] [OUT_DIR]
  REFERENCE_DIR  default: $MLCARBON_REFERENCE, else ../../../../shared/reference relative to this file
  OUT_DIR        default: $MLCARBON_BUILD_OUT, else out/ next to this file
Reads the reference copies and writes into OUT_DIR: regions.csv, providers.csv, equivalents.csv,
_constants_cloud.csv, _sources_cloud.csv (merge.py turns the _*.csv fragments into data/sources.csv and
data/constants.csv). Region->zone mappings and locations are hand-curated below (facts), each region's
existence is taken from the source named in its row. Standard library only.
"""
import csv
import re
import io
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REF = (sys.argv[1] if len(sys.argv) > 1 else
       os.environ.get("MLCARBON_REFERENCE", os.path.join(HERE, "..", "..", "..", "..", "shared", "reference")))
DATA = (sys.argv[2] if len(sys.argv) > 2 else os.environ.get("MLCARBON_BUILD_OUT", os.path.join(HERE, "out")))


def num(x):
    """Format a float without a spurious trailing .0 or float noise."""
    if x is None or x == "":
        return ""
    v = round(float(x), 4)
    if v == int(v):
        return str(int(v))
    return ("%.4f" % v).rstrip("0").rstrip(".")


def read_csv(path, skip=0):
    with open(path, newline="", encoding="utf-8-sig") as f:
        lines = f.read().splitlines()[skip:]
    return list(csv.DictReader(lines))


# ----------------------------------------------------------------------------------------------
# Sources
# ----------------------------------------------------------------------------------------------
SOURCES = [
    # id, title, publisher, url, license, year, notes
    ("google-region-carbon", "Carbon free energy for Google Cloud regions (region-carbon-info), yearly data 2024",
     "Google Cloud", "https://github.com/GoogleCloudPlatform/region-carbon-info", "Apache-2.0", 2024,
     "data/yearly/2024.csv at commit 49f3f26bfd682305e8d9b572fea1f811900421a9 (2025-12-03): Google CFE share (hourly, incl. Google's purchases) and location-based grid intensity per region; attribute Google Cloud, region-carbon-info"),
    ("ccf-app", "Cloud Carbon Footprint: footprint estimation constants and region lists",
     "Thoughtworks (Cloud Carbon Footprint)", "https://github.com/cloud-carbon-footprint/cloud-carbon-footprint",
     "Apache-2.0", 2024,
     "numbers read from packages/{aws,azure,gcp,ali}/src/domain/*FootprintEstimationConstants.ts and region enums at commit b7a049c7d25c0022919ab9010199dd9e77aa4577 (2024-03-25); PUE_AVG per provider, GCP per-region trailing-twelve-month PUE, Alibaba north-China PUE"),
    ("green-algorithms-v3", "Green Algorithms tool data v3.0 (cloudProviders_datacenters, defaults_PUE, referenceValues)",
     "Lannelongue, Grealey & Inouye (Green Algorithms)", "https://github.com/GreenAlgorithms/green-algorithms-tool",
     "CC-BY-4.0", 2025,
     "data/v3.0 at commit 30df2feead1c7f5db87a3d86ca1239470a0cd415 (2025-02-05); cite Lannelongue et al. Advanced Science 2021 doi:10.1002/advs.202100707"),
    ("mlco2-impact", "Machine Learning Emissions Calculator data (impact.csv, gpus.csv)",
     "mlco2 (Lacoste, Luccioni, Schmidt, Dandres)", "https://github.com/mlco2/impact", "MIT", 2026,
     "data/ at commit d0d3ee5a71ea222ac344a94900642ed2ce649af4 (2026-03-09); offsetRatio and region rows as published by the calculator"),
    ("mlco2-impact-2019", "Machine Learning Emissions Calculator data, paper-era snapshot",
     "mlco2 (Lacoste, Luccioni, Schmidt, Dandres)", "https://github.com/mlco2/impact/tree/7d5007101add353dcb3e9ff8642f857445225790/data",
     "MIT", 2019,
     "commit 7d5007101add353dcb3e9ff8642f857445225790 (2019-10-26); the tables of Appendix A/B of arXiv:1910.09700"),
    ("codecarbon-cloud", "CodeCarbon cloud region data (data/cloud/impact.csv)",
     "Code Carbon NGO (Mila, BCG Gamma, CometML, Haverford College)", "https://github.com/mlco2/codecarbon",
     "MIT", 2025,
     "codecarbon 3.3.2 wheel (same file as git b05965e4); used only for GCP data-centre towns (location column)"),
    ("aws-regions-doc", "Supported AWS Regions (AWS Solutions Library: Automated Security Response on AWS)",
     "Amazon Web Services", "https://docs.aws.amazon.com/solutions/latest/automated-security-response-on-aws/supported-aws-regions.html",
     "facts", 2025, "region codes and names only (ap-south-2, ap-southeast-4, eu-central-2, eu-south-2)"),
    ("oracle-oci-regions", "Oracle Cloud Infrastructure regions and identifiers",
     "Oracle", "https://docs.oracle.com/en/cloud/saas/enterprise-performance-management-common/tsepm/opc_gen_2_regions.html",
     "facts", 2026,
     "region names and identifiers; also confirmed in OCI generative-AI region pages (docs.oracle.com/en-us/iaas/Content/generative-ai/) and OCI image listings (ap-chuncheon-1, af-johannesburg-1, ca-montreal-1) and the WebLogic Management availability page (me-jeddah-1)"),
    ("scaleway-regions-doc", "Scaleway product availability by region (Paris, Amsterdam, Warsaw)",
     "Scaleway", "https://www.scaleway.com/en/docs/account/reference-content/products-availability/",
     "facts", 2025, "region codes fr-par, nl-ams, pl-waw (page validated 2025-06-17)"),
    ("uptime-2024", "Uptime Institute Global Data Center Survey 2024",
     "Uptime Institute", "https://datacenter.uptimeinstitute.com/rs/711-RIA-145/images/2024.GlobalDataCenterSurvey.Report.pdf",
     "facts", 2024, "industry-average PUE 1.56, as used by Green Algorithms v3.0 defaults_PUE.csv (Unknown)"),
    ("uptime-2019", "Uptime Institute: Is PUE actually going up? (2019)",
     "Uptime Institute", "https://uptimeinstitute.com/", "facts", 2019,
     "industry-average PUE 1.67, as quoted by the Galaxy project (client/src/components/CarbonEmissions/carbonEmissionConstants.js, commit 8ef37081, MIT)"),
    ("nutanix-pue-2023", "Digging into data center efficiency: PUE and the impact of HCI",
     "Nutanix.dev", "https://www.nutanix.dev/2023/05/04/digging-into-data-center-efficiency-pue-and-the-impact-of-hci/",
     "facts", 2023, "provider PUE figures (gcp 1.12, aws 1.2, azure 1.12, OVHcloud 1.09, Oracle 1.2) as used by Green Algorithms v3.0 defaults_PUE.csv; secondary compilation"),
    ("google-renewable-2017", "Meeting our match: buying 100 percent renewable energy",
     "Google", "https://blog.google/outreach-initiatives/environment/meeting-our-match-buying-100-percent-renewable-energy/",
     "facts", 2017, "announced 2018-04-04: renewable purchases matched 100 % of annual electricity use in 2017 (reported by e.g. renews.biz, engadget.com)"),
    ("amazon-sustainability-2023", "Ten takeaways from Amazon's latest sustainability report (2023 report)",
     "Amazon", "https://aboutamazon.eu/news/sustainability/ten-takeaways-from-amazons-latest-sustainability-report",
     "facts", 2023, "100 % of electricity used across global operations, data centres included, matched with renewable sources in 2023"),
    ("microsoft-carbon-neutral-2012", "Microsoft Green Blog: carbon neutrality commitment and offset portfolio",
     "Microsoft", "https://blogs.microsoft.com/green/2015/01/", "facts", 2012,
     "carbon neutral since fiscal 2013 (from July 2012) via an internal carbon fee, renewable purchases and offsets; goal of 100 % renewable matching by 2025 (Microsoft environmental sustainability pages)"),
    ("oracle-renewable-2021", "Oracle pledges to power global operations with 100 % renewable energy",
     "ZDNET", "https://www.zdnet.com/article/oracle-pledges-to-power-global-operations-with-100-renewable-energy/",
     "facts", 2021, "Oracle announcement of 2021-06-23: goal of 100 % renewable energy for cloud and facilities by 2025; European cloud regions already 100 % renewable"),
    ("ovhcloud-bhs-2023", "The new French ambassador to Canada visits the OVHcloud data center in Beauharnois",
     "OVHcloud", "https://corporate.ovhcloud.com/en-ca/visit-french-ambassador-bhs/", "facts", 2023,
     "states OVHcloud targets: carbon neutrality by 2030, 100 % low-carbon energy sources by 2025"),
    ("aws-pue-2025", "AWS data centers: power usage effectiveness", "Amazon Web Services",
     "https://sustainability.aboutamazon.com/products-services/the-cloud", "facts", 2025,
     "global PUE 1.14 in 2025, 1.15 in 2024 (best site 1.04 in Europe) and 1.15 in 2023 (first disclosure, re:Invent 2024, as reported by DatacenterDynamics); read in stored copies of the AWS and Amazon sustainability pages"),
    ("ovhcloud-region-codes", "OVHcloud public cloud region codes (Pulumi OVH provider docs; OVH API region enum)",
     "OVHcloud", "https://www.pulumi.com/registry/packages/ovh/api-docs/getcloudregion/", "facts", 2025,
     "codes GRA11 and EU-WEST-PAR in the OVHcloud Pulumi provider docs; BHS5, DE1, SBG5, SGP1, SYD1, UK1, WAW1 in the OVH API's region enum (node-ovh-ts CloudKubeRegionEnum); towns from the code prefixes OVHcloud documents (GRA Gravelines, SBG Strasbourg, BHS Beauharnois, WAW Warsaw)"),
    ("azure-regions-list", "Azure regions list (physical location per region)", "Microsoft",
     "https://learn.microsoft.com/azure/reliability/regions-list", "facts", 2025,
     "programmatic names and physical locations; austriaeast Vienna, belgiumcentral Brussels; chilecentral, indonesiacentral, israelcentral, malaysiawest, newzealandnorth by country"),
    ("aws-wue-2025", "Amazon's data centers are 7x more water efficient than the industry average (Amazon News, quoted)",
     "Amazon, via humanprogress.org", "https://humanprogress.org/amazons-data-centers-are-7x-more-water-efficient-than-the-industry-average/",
     "facts", 2026, "AWS global data-centre WUE 0.12 L/kWh in 2025; secondary quote of Amazon's announcement; 2024's 0.15 from siliconflash.com (secondary)"),
    ("microsoft-wue-2025", "Microsoft cuts datacenter water use for AI: WUE drops to 0.27 L/kWh",
     "Microsoft, as reported by windowsforum.com", "https://windowsforum.com/tags/water-efficiency/", "facts", 2026,
     "owned datacenter fleet average WUE 0.27 L/kWh in 2025 (Microsoft, 2026-06-24); 0.30 for the fiscal year before the June 2024 design announcement (cybertechbiz.com); secondary reports"),
    ("scaleway-silicon-2022", "Scaleway: 5 indicateurs d'empreinte environnementale",
     "Silicon.fr", "https://www.silicon.fr/5-indicateurs-empreinte-environnementale-scaleway-453379.html",
     "facts", 2022,
     "secondary: quotes Scaleway's 2018-2020 impact report (100 % renewable electricity in all data centres; PUE DC2 1.55, DC3 1.31, DC4 1.50, DC5 1.15, AMS1 1.2, WAW1 1.51)"),
    # equivalents
    ("uk-ghg-factors-2019", "Greenhouse gas reporting: conversion factors 2019",
     "UK Government (BEIS/DEFRA)", "https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2019",
     "OGL-3.0", 2019, "average passenger car 175 gCO2e/km as quoted by Green Algorithms referenceValues.csv (with ScienceDirect pii S1352231018307295)"),
    ("uk-ghg-factors-2020", "Greenhouse gas reporting: conversion factors 2020",
     "UK Government (BEIS/DEFRA)", "https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2020",
     "OGL-3.0", 2020, "economy flight 171 g and rail 41 g per passenger-km as quoted by Green Algorithms referenceValues.csv"),
    ("epa-typical-vehicle", "Greenhouse gas emissions from a typical passenger vehicle",
     "US EPA", "https://www.epa.gov/greenvehicles/greenhouse-gas-emissions-typical-passenger-vehicle",
     "public-domain", 2018, "about 404 gCO2 per mile = 251 g/km, as quoted by Green Algorithms referenceValues.csv"),
    ("epa-ghg-equivalencies", "Greenhouse Gas Equivalencies Calculator: calculations and references",
     "US EPA", "https://www.epa.gov/energy/greenhouse-gas-equivalencies-calculator-calculations-and-references",
     "public-domain", 2020, "8.22e-6 tCO2 per smartphone charged (an older edition; the figure changes by edition), as quoted by the Galaxy project and others"),
    ("nowak-crane-2002", "Carbon storage and sequestration by urban trees in the USA",
     "Nowak & Crane, Environmental Pollution 116(3):381-389", "https://doi.org/10.1016/S0269-7491(01)00214-7",
     "facts", 2002, "11 kgCO2 per tree per year as used by Green Algorithms referenceValues.csv (treeYear, tree_month = 917 g)"),
    ("carbonbrief-netflix-2020", "Factcheck: What is the carbon footprint of streaming video on Netflix?",
     "Carbon Brief", "https://www.carbonbrief.org/factcheck-what-is-the-carbon-footprint-of-streaming-video-on-netflix",
     "facts", 2020, "about 36 gCO2 per hour of streaming as quoted by Green Algorithms referenceValues.csv"),
    ("eea-new-cars-2023", "CO2 emissions from new passenger cars, 2023 (provisional monitoring data)",
     "European Environment Agency", "https://www.eea.europa.eu/en/analysis/indicators/co2-performance-of-new-passenger",
     "CC-BY-4.0", 2024, "106.6 gCO2/km (WLTP) for the 10.7 million new cars registered in 2023 in the EU, Iceland and Norway, provisional data, as reported from the EEA's release (autoexpresscar.com; the ICCT gives 107 from the same data); CodeCarbon's web app uses 133 (constants.ts CAR_EMISSIONS_KGCO2_PER_KM)"),
    ("carbonfootprint-flight-calc", "Carbon Footprint Ltd flight calculator",
     "Carbon Footprint Ltd", "https://calculator.carbonfootprint.com/calculator.aspx?tab=3",
     "facts", 2020, "per-passenger route figures as quoted by Green Algorithms referenceValues.csv"),
]
SOURCE_IDS = {s[0] for s in SOURCES}

# ----------------------------------------------------------------------------------------------
# Regions
# ----------------------------------------------------------------------------------------------
# GCP: region -> (location text, zone). The 2024 file gives the label (name).
GCP = {
    "africa-south1": ("Johannesburg, South Africa", "ZA"),
    "asia-east1": ("Changhua County, Taiwan", "TW"),
    "asia-east2": ("Hong Kong", "HK"),
    "asia-northeast1": ("Tokyo, Japan", "JP-TK"),
    "asia-northeast2": ("Osaka, Japan", "JP-KN"),
    "asia-northeast3": ("Seoul, South Korea", "KR"),
    "asia-south1": ("Mumbai, Maharashtra, India", "IN-WE"),
    "asia-south2": ("Delhi, India", "IN-NO"),
    "asia-southeast1": ("Jurong West, Singapore", "SG"),
    "asia-southeast2": ("Jakarta, Indonesia", "ID"),
    "australia-southeast1": ("Sydney, New South Wales, Australia", "AU-NSW"),
    "australia-southeast2": ("Melbourne, Victoria, Australia", "AU-VIC"),
    "europe-central2": ("Warsaw, Poland", "PL"),
    "europe-north1": ("Hamina, Finland", "FI"),
    "europe-north2": ("Stockholm, Sweden", "SE-SE3"),
    "europe-southwest1": ("Madrid, Spain", "ES"),
    "europe-west1": ("St. Ghislain, Belgium", "BE"),
    "europe-west2": ("London, England, UK", "GB"),
    "europe-west3": ("Frankfurt, Germany", "DE"),
    "europe-west4": ("Eemshaven, Netherlands", "NL"),
    "europe-west6": ("Zurich, Switzerland", "CH"),
    "europe-west8": ("Milan, Italy", "IT-NO"),
    "europe-west9": ("Paris, France", "FR"),
    "europe-west10": ("Berlin, Germany", "DE"),
    "europe-west12": ("Turin, Italy", "IT-NO"),
    "me-central1": ("Doha, Qatar", "QA"),
    "me-central2": ("Dammam, Saudi Arabia", "SA"),
    "me-west1": ("Tel Aviv, Israel", "IL"),
    "northamerica-northeast1": ("Montreal, Quebec, Canada", "CA-QC"),
    "northamerica-northeast2": ("Toronto, Ontario, Canada", "CA-ON"),
    "northamerica-south1": ("Queretaro, Mexico", "MX"),
    "southamerica-east1": ("Sao Paulo, Brazil", "BR"),
    "southamerica-west1": ("Santiago, Chile", "CL"),
    "us-central1": ("Council Bluffs, Iowa, US", "US-IA"),
    "us-central2": ("Oklahoma, US", "US-OK"),
    "us-east1": ("Moncks Corner, South Carolina, US", "US-SC"),
    "us-east2": ("Georgia, US", "US-GA"),
    "us-east4": ("Ashburn, Virginia, US", "US-VA"),
    "us-east5": ("Columbus, Ohio, US", "US-OH"),
    "us-south1": ("Dallas, Texas, US", "US-TX"),
    "us-west1": ("The Dalles, Oregon, US", "US-OR"),
    "us-west2": ("Los Angeles, California, US", "US-CA"),
    "us-west3": ("Salt Lake City, Utah, US", "US-UT"),
    "us-west4": ("Las Vegas, Nevada, US", "US-NV"),
}
# GCP per-region PUE: CCF trailing-twelve-month figures (~2022), else Green Algorithms (Google, 2020).
GCP_PUE = {
    "us-east4": (1.08, "ccf-app", "~2022 trailing-twelve-month"),
    "us-central1": (1.11, "ccf-app", "~2022 trailing-twelve-month; Green Algorithms 2020 1.11"),
    "us-central2": (1.11, "ccf-app", "~2022 trailing-twelve-month (shared with us-central1 in CCF)"),
    "europe-west1": (1.09, "ccf-app", "~2022 trailing-twelve-month; Green Algorithms 2020 1.08"),
    "europe-west4": (1.07, "ccf-app", "~2022 trailing-twelve-month; mlco2 2019 1.09"),
    "europe-north1": (1.09, "ccf-app", "~2022 trailing-twelve-month; Green Algorithms 2020 1.09"),
    "asia-east1": (1.12, "ccf-app", "~2022 trailing-twelve-month; Green Algorithms 2020 1.13"),
    "asia-southeast1": (1.13, "ccf-app", "~2022 trailing-twelve-month; Green Algorithms 2020 1.15"),
    "us-west1": (1.11, "green-algorithms-v3", "Google figure of 2020 via Green Algorithms; mlco2 2019 1.1"),
    "us-east1": (1.11, "green-algorithms-v3", "Google figure of 2020 via Green Algorithms; mlco2 2019 1.11"),
}

# AWS: region -> (name, location, zone)
AWS = {
    "us-east-1": ("US East (N. Virginia)", "Northern Virginia, US", "US-VA"),
    "us-east-2": ("US East (Ohio)", "Ohio, US", "US-OH"),
    "us-west-1": ("US West (N. California)", "Northern California, US", "US-CA"),
    "us-west-2": ("US West (Oregon)", "Oregon, US", "US-OR"),
    "us-gov-east-1": ("AWS GovCloud (US-East)", "Ohio, US", "US-OH"),
    "us-gov-west-1": ("AWS GovCloud (US-West)", "Northwestern US (Oregon assumed)", "US-OR"),
    "af-south-1": ("Africa (Cape Town)", "Cape Town, South Africa", "ZA"),
    "ap-east-1": ("Asia Pacific (Hong Kong)", "Hong Kong", "HK"),
    "ap-south-1": ("Asia Pacific (Mumbai)", "Mumbai, Maharashtra, India", "IN-WE"),
    "ap-south-2": ("Asia Pacific (Hyderabad)", "Hyderabad, Telangana, India", "IN-SO"),
    "ap-northeast-1": ("Asia Pacific (Tokyo)", "Tokyo, Japan", "JP-TK"),
    "ap-northeast-2": ("Asia Pacific (Seoul)", "Seoul, South Korea", "KR"),
    "ap-northeast-3": ("Asia Pacific (Osaka)", "Osaka, Japan", "JP-KN"),
    "ap-southeast-1": ("Asia Pacific (Singapore)", "Singapore", "SG"),
    "ap-southeast-2": ("Asia Pacific (Sydney)", "Sydney, New South Wales, Australia", "AU-NSW"),
    "ap-southeast-3": ("Asia Pacific (Jakarta)", "Jakarta, Indonesia", "ID"),
    "ap-southeast-4": ("Asia Pacific (Melbourne)", "Melbourne, Victoria, Australia", "AU-VIC"),
    "ca-central-1": ("Canada (Central)", "Montreal, Quebec, Canada", "CA-QC"),
    "cn-north-1": ("China (Beijing)", "Beijing, China", "CN-BJ"),
    "cn-northwest-1": ("China (Ningxia)", "Zhongwei, Ningxia, China", "CN-NX"),
    "eu-central-1": ("Europe (Frankfurt)", "Frankfurt, Germany", "DE"),
    "eu-central-2": ("Europe (Zurich)", "Zurich, Switzerland", "CH"),
    "eu-west-1": ("Europe (Ireland)", "Dublin, Ireland", "IE"),
    "eu-west-2": ("Europe (London)", "London, UK", "GB"),
    "eu-west-3": ("Europe (Paris)", "Paris, France", "FR"),
    "eu-south-1": ("Europe (Milan)", "Milan, Italy", "IT-NO"),
    "eu-south-2": ("Europe (Spain)", "Aragon, Spain", "ES"),
    "eu-north-1": ("Europe (Stockholm)", "Stockholm, Sweden", "SE-SE3"),
    "me-south-1": ("Middle East (Bahrain)", "Bahrain", "BH"),
    "me-central-1": ("Middle East (UAE)", "United Arab Emirates", "AE"),
    "il-central-1": ("Israel (Tel Aviv)", "Tel Aviv, Israel", "IL"),
    "ca-west-1": ("Canada West (Calgary)", "Calgary, Alberta, Canada", "CA-AB"),
    "mx-central-1": ("Mexico (Central)", "Mexico", "MX"),
    "ap-southeast-5": ("Asia Pacific (Malaysia)", "Malaysia", "MY"),
    "ap-southeast-7": ("Asia Pacific (Thailand)", "Thailand", "TH"),
    "sa-east-1": ("South America (Sao Paulo)", "Sao Paulo, Brazil", "BR"),
}
AWS_NOTES = {
    "us-gov-west-1": "AWS only says north-western US; mlco2 lists Seattle, CCF uses WECC; Oregon assumed (both hydro-heavy Northwest grids)",
    "us-gov-east-1": "mlco2 lists Dublin (Ohio)",
    "us-west-2": "mlco2 lists Portland; data centres are in north-eastern Oregon",
    "ap-south-2": "Southern regional grid (IN-SO)",
}

# Azure: region -> (display name, location, zone)
AZURE = {
    "southafricanorth": ("South Africa North", "Johannesburg, South Africa", "ZA"),
    "southafricawest": ("South Africa West", "Cape Town, South Africa", "ZA"),
    "australiacentral": ("Australia Central", "Canberra, Australian Capital Territory, Australia", "AU-ACT"),
    "australiacentral2": ("Australia Central 2", "Canberra, Australian Capital Territory, Australia", "AU-ACT"),
    "australiaeast": ("Australia East", "New South Wales, Australia", "AU-NSW"),
    "australiasoutheast": ("Australia Southeast", "Victoria, Australia", "AU-VIC"),
    "japaneast": ("Japan East", "Tokyo and Saitama, Japan", "JP-TK"),
    "japanwest": ("Japan West", "Osaka, Japan", "JP-KN"),
    "koreacentral": ("Korea Central", "Seoul, South Korea", "KR"),
    "koreasouth": ("Korea South", "Busan, South Korea", "KR"),
    "eastasia": ("East Asia", "Hong Kong", "HK"),
    "southeastasia": ("Southeast Asia", "Singapore", "SG"),
    "centralindia": ("Central India", "Pune, Maharashtra, India", "IN-WE"),
    "southindia": ("South India", "Chennai, Tamil Nadu, India", "IN-SO"),
    "westindia": ("West India", "Mumbai, Maharashtra, India", "IN-WE"),
    "jioindiacentral": ("Jio India Central", "Nagpur, Maharashtra, India", "IN-WE"),
    "jioindiawest": ("Jio India West", "Jamnagar, Gujarat, India", "IN-WE"),
    "northeurope": ("North Europe", "Dublin, Ireland", "IE"),
    "westeurope": ("West Europe", "Amsterdam, Netherlands", "NL"),
    "francecentral": ("France Central", "Paris, France", "FR"),
    "francesouth": ("France South", "Marseille, France", "FR"),
    "swedencentral": ("Sweden Central", "Gavle and Sandviken, Sweden", "SE-SE3"),
    "switzerlandnorth": ("Switzerland North", "Zurich, Switzerland", "CH"),
    "switzerlandwest": ("Switzerland West", "Geneva, Switzerland", "CH"),
    "uksouth": ("UK South", "London, UK", "GB"),
    "ukwest": ("UK West", "Cardiff, Wales, UK", "GB"),
    "germanynorth": ("Germany North", "Berlin, Germany", "DE"),
    "germanywestcentral": ("Germany West Central", "Frankfurt, Germany", "DE"),
    "norwayeast": ("Norway East", "Oslo, Norway", "NO-NO1"),
    "norwaywest": ("Norway West", "Stavanger, Norway", "NO-NO2"),
    "uaecentral": ("UAE Central", "Abu Dhabi, United Arab Emirates", "AE"),
    "uaenorth": ("UAE North", "Dubai, United Arab Emirates", "AE"),
    "canadacentral": ("Canada Central", "Toronto, Ontario, Canada", "CA-ON"),
    "canadaeast": ("Canada East", "Quebec City, Quebec, Canada", "CA-QC"),
    "centralus": ("Central US", "Des Moines, Iowa, US", "US-IA"),
    "centraluseuap": ("Central US EUAP", "Iowa, US", "US-IA"),
    "eastus": ("East US", "Virginia, US", "US-VA"),
    "eastus2": ("East US 2", "Boydton, Virginia, US", "US-VA"),
    "eastus2euap": ("East US 2 EUAP", "Virginia, US", "US-VA"),
    "northcentralus": ("North Central US", "Chicago, Illinois, US", "US-IL"),
    "southcentralus": ("South Central US", "San Antonio, Texas, US", "US-TX"),
    "westcentralus": ("West Central US", "Wyoming, US", "US-WY"),
    "westus": ("West US", "California, US", "US-CA"),
    "westus2": ("West US 2", "Quincy, Washington, US", "US-WA"),
    "westus3": ("West US 3", "Phoenix, Arizona, US", "US-AZ"),
    "brazilsouth": ("Brazil South", "Sao Paulo, Brazil", "BR"),
    "brazilsoutheast": ("Brazil Southeast", "Rio de Janeiro, Brazil", "BR"),
    # only in Green Algorithms v3.0
    "chinaeast": ("China East", "Shanghai, China", "CN-SH"),
    "chinaeast2": ("China East 2", "Shanghai, China", "CN-SH"),
    "chinanorth": ("China North", "Beijing, China", "CN-BJ"),
    "chinanorth2": ("China North 2", "Beijing, China", "CN-BJ"),
    "israelcentral": ("Israel Central", "Israel", "IL"),
    "italynorth": ("Italy North", "Milan, Italy", "IT-NO"),
    "mexicocentral": ("Mexico Central", "Queretaro, Mexico", "MX"),
    "austriaeast": ("Austria East", "Vienna, Austria", "AT"),
    "belgiumcentral": ("Belgium Central", "Brussels, Belgium", "BE"),
    "chilecentral": ("Chile Central", "Chile", "CL"),
    "indonesiacentral": ("Indonesia Central", "Indonesia", "ID"),
    "israelcentral": ("Israel Central", "Israel", "IL"),
    "malaysiawest": ("Malaysia West", "Malaysia", "MY"),
    "newzealandnorth": ("New Zealand North", "New Zealand", "NZ"),
    "newzealandnorth": ("New Zealand North", "Auckland, New Zealand", "NZ"),
    "polandcentral": ("Poland Central", "Warsaw, Poland", "PL"),
    "qatarcentral": ("Qatar Central", "Doha, Qatar", "QA"),
    "spaincentral": ("Spain Central", "Madrid, Spain", "ES"),
}
AZURE_NOTES = {
    "centraluseuap": "early-update (canary) region",
    "eastus2euap": "early-update (canary) region",
    "australiacentral": "ACT is supplied through the NSW region of the national electricity market",
    "australiacentral2": "ACT is supplied through the NSW region of the national electricity market",
    "westcentralus": "mlco2 notes doubt about which grid serves it",
    "jioindiacentral": "location from the region's public announcement, not from the references",
    "jioindiawest": "location from the region's public announcement, not from the references",
}
# Green Algorithms' display names -> codes (GA lists Azure regions by display name)
GA_AZURE_SKIP = {"Germany Central (Sovereign)", "Germany Northeastt (Sovereign)"}  # retired sovereign cloud

# Alibaba: CCF key -> (code, name, location, zone, north-China PUE?)
ALIBABA = {
    "CN_HANGZHOU": ("cn-hangzhou", "China (Hangzhou)", "Hangzhou, Zhejiang, China", "CN-ZJ", False),
    "CN_SHANGHAI": ("cn-shanghai", "China (Shanghai)", "Shanghai, China", "CN-SH", False),
    "CN_NANJING": ("cn-nanjing", "China (Nanjing - Local Region)", "Nanjing, Jiangsu, China", "CN-JS", False),
    "CN_SHENZHEN": ("cn-shenzhen", "China (Shenzhen)", "Shenzhen, Guangdong, China", "CN-GD", False),
    "CN_HEYUAN": ("cn-heyuan", "China (Heyuan)", "Heyuan, Guangdong, China", "CN-GD", False),
    "CN_GUANGZHOU": ("cn-guangzhou", "China (Guangzhou)", "Guangzhou, Guangdong, China", "CN-GD", False),
    "CN_QINGDAP": ("cn-qingdao", "China (Qingdao)", "Qingdao, Shandong, China", "CN-SD", True),
    "CN_BEIJING": ("cn-beijing", "China (Beijing)", "Beijing, China", "CN-BJ", True),
    "CN_ZHANGJIAKOU": ("cn-zhangjiakou", "China (Zhangjiakou)", "Zhangjiakou, Hebei, China", "CN-HE", True),
    "CN_HUHEHAOTE": ("cn-huhehaote", "China (Hohhot)", "Hohhot, Inner Mongolia, China", "CN-NM", True),
    "CN_WULANCHABU": ("cn-wulanchabu", "China (Ulanqab)", "Ulanqab, Inner Mongolia, China", "CN-NM", True),
}

# Oracle: code -> (name, location, zone)
ORACLE = {
    "us-ashburn-1": ("US East (Ashburn)", "Ashburn, Virginia, US", "US-VA"),
    "us-phoenix-1": ("US West (Phoenix)", "Phoenix, Arizona, US", "US-AZ"),
    "us-chicago-1": ("US Midwest (Chicago)", "Chicago, Illinois, US", "US-IL"),
    "ca-toronto-1": ("Canada Southeast (Toronto)", "Toronto, Ontario, Canada", "CA-ON"),
    "ca-montreal-1": ("Canada Southeast (Montreal)", "Montreal, Quebec, Canada", "CA-QC"),
    "sa-saopaulo-1": ("Brazil East (Sao Paulo)", "Sao Paulo, Brazil", "BR"),
    "eu-frankfurt-1": ("Germany Central (Frankfurt)", "Frankfurt, Germany", "DE"),
    "eu-amsterdam-1": ("Netherlands Northwest (Amsterdam)", "Amsterdam, Netherlands", "NL"),
    "eu-paris-1": ("France Central (Paris)", "Paris, France", "FR"),
    "eu-marseille-1": ("France South (Marseille)", "Marseille, France", "FR"),
    "eu-milan-1": ("Italy Northwest (Milan)", "Milan, Italy", "IT-NO"),
    "eu-madrid-1": ("Spain Central (Madrid)", "Madrid, Spain", "ES"),
    "eu-stockholm-1": ("Sweden Central (Stockholm)", "Stockholm, Sweden", "SE-SE3"),
    "eu-zurich-1": ("Switzerland North (Zurich)", "Zurich, Switzerland", "CH"),
    "uk-london-1": ("UK South (London)", "London, UK", "GB"),
    "uk-cardiff-1": ("UK West (Newport)", "Newport, Wales, UK", "GB"),
    "me-abudhabi-1": ("UAE Central (Abu Dhabi)", "Abu Dhabi, United Arab Emirates", "AE"),
    "me-dubai-1": ("UAE East (Dubai)", "Dubai, United Arab Emirates", "AE"),
    "me-riyadh-1": ("Saudi Arabia Central (Riyadh)", "Riyadh, Saudi Arabia", "SA"),
    "me-jeddah-1": ("Saudi Arabia West (Jeddah)", "Jeddah, Saudi Arabia", "SA"),
    "af-johannesburg-1": ("South Africa Central (Johannesburg)", "Johannesburg, South Africa", "ZA"),
    "ap-tokyo-1": ("Japan East (Tokyo)", "Tokyo, Japan", "JP-TK"),
    "ap-osaka-1": ("Japan Central (Osaka)", "Osaka, Japan", "JP-KN"),
    "ap-seoul-1": ("South Korea Central (Seoul)", "Seoul, South Korea", "KR"),
    "ap-chuncheon-1": ("South Korea North (Chuncheon)", "Chuncheon, South Korea", "KR"),
    "ap-mumbai-1": ("India West (Mumbai)", "Mumbai, Maharashtra, India", "IN-WE"),
    "ap-hyderabad-1": ("India South (Hyderabad)", "Hyderabad, Telangana, India", "IN-SO"),
    "ap-singapore-1": ("Singapore (Singapore)", "Singapore", "SG"),
    "ap-singapore-2": ("Singapore West (Singapore)", "Singapore", "SG"),
    "ap-sydney-1": ("Australia East (Sydney)", "Sydney, New South Wales, Australia", "AU-NSW"),
    "ap-melbourne-1": ("Australia Southeast (Melbourne)", "Melbourne, Victoria, Australia", "AU-VIC"),
}

# mlco2-only providers: (mlco2 provider, region code in mlco2) -> (our provider, code, name, location, zone)
MLCO2_ONLY = {
    ("ovh", "gra"): ("ovhcloud", "gra", "Gravelines", "Gravelines, Hauts-de-France, France", "FR"),
    ("ovh", "bhs"): ("ovhcloud", "bhs", "Beauharnois", "Beauharnois, Quebec, Canada", "CA-QC"),
    ("coreweave", "LGA1"): ("coreweave", "LGA1", "US East", "Weehawken, New Jersey, US", "US-NJ"),
    ("coreweave", "ORD1"): ("coreweave", "ORD1", "US Central", "Chicago, Illinois, US", "US-IL"),
    ("coreweave", "LAS1"): ("coreweave", "LAS1", "US West", "Las Vegas, Nevada, US", "US-NV"),
    ("seeweb", "fro2"): ("seeweb", "fro2", "Frosinone 2", "Frosinone, Lazio, Italy", "IT-CSO"),
    ("scaleway", ""): ("scaleway", "fr-par", "Paris", "Paris, Ile-de-France, France", "FR"),
}
# Scaleway's per-site PUE (2018-2020 impact report, via scaleway-silicon-2022): a region with one site
# takes that site's figure; Paris (DC2, DC3, DC4, DC5) takes the provider's fleet figure and range.
SCALEWAY_SITE_PUE = {
    "nl-ams": (1.2, "pue: AMS1 site, Scaleway 2018-2020 impact report"),
    "pl-waw": (1.51, "pue: WAW1 site, Scaleway 2018-2020 impact report"),
}

# Azure regions newer than the CCF and Green Algorithms lists (azure-regions-list)
AZURE_RECENT = {"austriaeast", "belgiumcentral", "chilecentral", "indonesiacentral", "israelcentral", "malaysiawest",
                "newzealandnorth"}

# OVHcloud's current public-cloud region codes (the calculator's `gra`/`bhs` rows stay for --compat mlco2)
OVHCLOUD_CODES = {
    "GRA11": ("Gravelines (GRA11)", "Gravelines, Hauts-de-France, France", "FR"),
    "SBG5": ("Strasbourg (SBG5)", "Strasbourg, Grand Est, France", "FR"),
    "EU-WEST-PAR": ("Paris (3-AZ)", "Paris, Ile-de-France, France", "FR"),
    "BHS5": ("Beauharnois (BHS5)", "Beauharnois, Quebec, Canada", "CA-QC"),
    "WAW1": ("Warsaw (WAW1)", "Warsaw, Poland", "PL"),
    "UK1": ("United Kingdom (UK1)", "United Kingdom", "GB"),
    "DE1": ("Germany (DE1)", "Germany", "DE"),
    "SGP1": ("Singapore (SGP1)", "Singapore", "SG"),
    "SYD1": ("Sydney (SYD1)", "Sydney, New South Wales, Australia", "AU-NSW"),
}
SCALEWAY_DOCS = {
    "nl-ams": ("Amsterdam", "Amsterdam, Netherlands", "NL"),
    "pl-waw": ("Warsaw", "Warsaw, Poland", "PL"),
}

# ----------------------------------------------------------------------------------------------


# US states whose cloud sites draw from a balancing authority that imports or spans several states: the
# region's zone is the balancing authority (consumption-based figure), the state's in-state generation
# figure (eGRID) is kept in the region's range (range_zones). Utility -> balancing authority from the
# operators' service areas: Dominion Virginia, AEP Ohio, ComEd (Chicago) and PSE&G (New Jersey) are in PJM;
# MidAmerican (Iowa) in MISO; Oregon's Columbia River sites (Boardman, The Dalles) in BPA's area; Texas
# (Dallas, San Antonio) in ERCOT; northern California in CAISO; Georgia in Southern Company's area;
# Santee Cooper (Moncks Corner, SC) its own authority; Salt Lake City in PacifiCorp East; Las Vegas in
# NV Energy; Phoenix in Arizona Public Service's area; Quincy, Washington, in Grant County PUD's;
# Oklahoma (GRDA, Pryor) in the Southwest Power Pool.
STATE_BA = {"US-VA": "US-MIDA-PJM", "US-OH": "US-MIDA-PJM", "US-IL": "US-MIDA-PJM", "US-NJ": "US-MIDA-PJM",
            "US-IA": "US-MIDW-MISO", "US-OR": "US-NW-BPAT", "US-TX": "US-TEX-ERCO", "US-CA": "US-CAL-CISO",
            "US-GA": "US-SE-SOCO", "US-SC": "US-CAR-SC", "US-UT": "US-NW-PACE", "US-NV": "US-NW-NEVP",
            "US-AZ": "US-SW-AZPS", "US-WA": "US-NW-GCPD", "US-OK": "US-CENT-SWPP"}


def google_years():
    """Google's grid figure per region for 2022-2024 (direct, operational)."""
    out = {}
    for y in (2022, 2023, 2024):
        out[y] = {}
        for r in read_csv(f"{REF}/google-cloud-region-carbon/{y}.csv"):
            code = r["Google Cloud Region"].strip()
            val = r["Grid carbon intensity (gCO2eq / kWh)"].strip()
            if code and val:
                out[y][code] = float(val)
    return out


def build_regions():
    rows = []
    seen = set()
    global GOOGLE_YEARS
    GOOGLE_YEARS = google_years()

    def add(provider, region, name, location, zone, source, year, pue="", pue_source="", intensity="", cfe="",
            offset="", claim_year="", notes=""):
        key = (provider, region)
        if key in seen:
            raise SystemExit(f"duplicate region {key}")
        seen.add(key)
        range_zones = ""
        if zone in STATE_BA:
            range_zones, zone = zone, STATE_BA[zone]
            notes = "; ".join(n for n in [notes, f"zone: balancing authority {zone} (consumption-based); state "
                                          f"{range_zones} (in-state generation, direct) in the range"] if n)
        elif "-" in zone and not zone.startswith("US-"):
            # a sub-national grid: the country's figures (Ember and OWID publish countries only) in the range
            range_zones = zone.split("-")[0]
        plo, phi = "", ""
        if intensity != "":
            # the provider's figures for the region over the range window (2022-2024), same basis (direct)
            ys = [GOOGLE_YEARS[y][region] for y in (2022, 2023, 2024) if region in GOOGLE_YEARS[y]]
            plo, phi = min(ys + [float(intensity)]), max(ys + [float(intensity)])
        rows.append({
            "provider": provider, "region": region, "name": name, "location": location, "zone": zone,
            "range_zones": range_zones,
            "pue": num(pue), "pue_source": pue_source if pue != "" else "", "provider_intensity_g_per_kwh": num(intensity),
            # Google's 2021+ figures are operational (direct) emissions, its 2019-2020 ones life-cycle
            "provider_basis": ("direct" if int(year) >= 2021 else "lifecycle") if intensity != "" else "",
            "provider_low": num(plo), "provider_high": num(phi),
            "cfe_percent": num(cfe),
            "offset_percent": num(offset), "claim_year": claim_year, "source": source, "year": year,
            "notes": notes,
        })

    mlco2 = read_csv(f"{REF}/mlco2-impact/impact.csv")
    mlco2_keys = {(r["provider"], r["region"]) for r in mlco2}
    ccf = read_csv(f"{REF}/cloud-carbon-footprint/ccf-app-grid-emission-factors.csv")
    ga = read_csv(f"{REF}/green-algorithms/cloudProviders_datacenters.csv", skip=1)
    ga_gcp = {r["Name"] for r in ga if r["provider"] == "gcp"}
    ga_azure = {}
    for r in ga:
        if r["provider"] == "azure" and r["Name"] not in GA_AZURE_SKIP:
            code = r["Name"].replace(" (Public)", "").replace(" ", "").lower()
            ga_azure[code] = r
    cc = read_csv(f"{REF}/codecarbon/data/cloud/impact.csv")
    cc_gcp = {r["region"] for r in cc}

    def also(provider_mlco2, code, in_ga=False, in_cc=False, in_ccf=False):
        parts = []
        if in_ccf:
            parts.append("ccf-app")
        if (provider_mlco2, code) in mlco2_keys:
            parts.append("mlco2-impact")
        if in_ga:
            parts.append("green-algorithms-v3")
        if in_cc:
            parts.append("codecarbon-cloud")
        return ("also listed in " + ", ".join(parts)) if parts else ""

    # --- GCP (Google's own 2024 figures)
    g24 = read_csv(f"{REF}/google-cloud-region-carbon/2024.csv")
    for r in g24:
        code = r["Google Cloud Region"].strip()
        if not code:
            continue
        if code not in GCP:
            raise SystemExit(f"unmapped gcp region {code}")
        location, zone = GCP[code]
        cfe = float(r["Google CFE"]) * 100
        intensity = float(r["Grid carbon intensity (gCO2eq / kWh)"])
        notes = []
        pue, psrc = "", ""
        if code in GCP_PUE:
            pue, psrc, pnote = GCP_PUE[code]
            notes.append(f"pue from {psrc} ({pnote})")
        a = also("gcp", code, in_ga=code in ga_gcp, in_cc=code in cc_gcp,
                 in_ccf=any(c["provider"] == "gcp" and c["region"] == code for c in ccf))
        if a:
            notes.append(a)
        if code in ("us-central2", "us-east2"):
            notes.append("not a generally available region; listed in Google's data")
        if code == "northamerica-northeast1":
            notes.append("mlco2 2019 figure 20 g/kWh, current mlco2 34.5")
        add("gcp", code, r["Location"].strip(), location, zone, "google-region-carbon", 2024,
            pue=pue, pue_source=psrc, intensity=intensity, cfe=cfe, notes="; ".join(notes))
    missing = set(GCP) - {r["region"] for r in rows}
    if missing:
        raise SystemExit(f"gcp mapping has regions not in 2024.csv: {missing}")

    # --- AWS
    ccf_aws = {c["region"] for c in ccf if c["provider"] == "aws" and c["region"] != "Unknown"}
    for code, (name, location, zone) in AWS.items():
        notes = []
        if code in ccf_aws:
            src, year = "ccf-app", 2024
            a = also("aws", code)
        else:
            src, year = "aws-regions-doc", 2025
            a = ""
        if a:
            notes.append(a)
        if code in AWS_NOTES:
            notes.append(AWS_NOTES[code])
        add("aws", code, name, location, zone, src, year, notes="; ".join(notes))
    assert ccf_aws <= set(AWS), ccf_aws - set(AWS)
    assert {c for (p, c) in mlco2_keys if p == "aws"} <= set(AWS)

    # --- Azure
    ccf_az = {c["region"].lower() for c in ccf if c["provider"] == "azure"}
    for code, (name, location, zone) in AZURE.items():
        notes = []
        if code in ccf_az:
            src, year = "ccf-app", 2024
            a = also("azure", code, in_ga=code in ga_azure)
        elif code in ga_azure:
            src, year = "green-algorithms-v3", 2025
            a = also("azure", code)
        elif code in AZURE_RECENT:
            src, year = "azure-regions-list", 2025
            a = ""
        else:
            raise SystemExit(f"azure {code} in no source")
        if a:
            notes.append(a)
        if code in AZURE_NOTES:
            notes.append(AZURE_NOTES[code])
        add("azure", code, name, location, zone, src, year, notes="; ".join(notes))
    assert set(ga_azure) <= set(AZURE), set(ga_azure) - set(AZURE)
    assert {c for (p, c) in mlco2_keys if p == "azure"} <= set(AZURE)

    # --- Alibaba (CCF lists Chinese display names with an English key)
    for c in ccf:
        if c["provider"] != "alibaba" or c["ccf_key"] == "UNKNOWN":
            continue
        code, name, location, zone, north = ALIBABA[c["ccf_key"]]
        notes = [f"CCF lists it as {c['region']} (key {c['ccf_key']}); region id is Alibaba Cloud's"]
        pue = ""
        if north:
            pue = 1.2
            notes.insert(0, "pue: CCF trailing-twelve-month figure for its north-China regions")
        add("alibaba", code, name, location, zone, "ccf-app", 2024, pue=pue, pue_source="ccf-app" if pue else "",
            notes="; ".join(notes))

    # --- mlco2-only providers (OVHcloud, Scaleway Paris, CoreWeave, Seeweb)
    for r in mlco2:
        k = (r["provider"], r["region"])
        if k not in MLCO2_ONLY:
            continue
        prov, code, name, location, zone = MLCO2_ONLY[k]
        notes = []
        pue = ""
        if prov == "ovhcloud":
            notes.append("the calculator's provider id is `ovh`")
        if prov == "scaleway":
            notes.append("the calculator's row has no region code; fr-par is Scaleway's Paris region code (scaleway-regions-doc)")
        if prov == "coreweave":
            notes.append("calculator figure was an Oct 2021-Oct 2022 average")
            if code == "LAS1":
                notes.append("the calculator's row swaps state and city")
        if prov == "seeweb":
            pue = r["PUE"]
            notes.append("pue from the calculator's row (Green Web Foundation check); the calculator records 100 % carbon-free supply (impact 0)")
            notes.append("Lazio is in Italy's centre-south bidding zone")
        add(prov, code, name, location, zone, "mlco2-impact", 2026, pue=pue,
            pue_source="mlco2-impact" if pue != "" else "", notes="; ".join(notes))
    for code, (name, location, zone) in SCALEWAY_DOCS.items():
        pue, note = SCALEWAY_SITE_PUE.get(code, ("", ""))
        add("scaleway", code, name, location, zone, "scaleway-regions-doc", 2025, pue=pue,
            pue_source="scaleway-silicon-2022" if pue else "", notes=note)
    for code, (name, location, zone) in OVHCLOUD_CODES.items():
        add("ovhcloud", code, name, location, zone, "ovhcloud-region-codes", 2025)

    # --- Oracle
    for code, (name, location, zone) in ORACLE.items():
        add("oracle", code, name, location, zone, "oracle-oci-regions", 2026)

    return rows


IDLIKE_OK = {"third-party", "in-state", "consumption-based", "north-china", "trailing-twelve-month", "carbon-free", "centre-south", "north-western", "hydro-heavy", "low-carbon", "early-update", "non-co2", "type-approval", "e-6", "north-eastern", "per-region", "industry-average", "on-premise"}

REGION_COLS = ["provider", "region", "name", "location", "zone", "range_zones", "pue", "pue_source",
               "provider_intensity_g_per_kwh", "provider_basis", "provider_low", "provider_high", "cfe_percent", "offset_percent", "claim_year", "source", "year", "notes"]

PROVIDERS = [
    # id, name, aliases, pue, low, high, pue_source, offset, claim, claim_year, claim_source, source, year, notes
    # pue_source: where the `pue` figure was read; claim_source: the publication of the claim/claim_year.
    ("aws", "Amazon Web Services", "AWS|Amazon|Amazon Web Services", 1.14, 1.135, 1.2, "aws-pue-2025", 100,
     "Amazon reports that renewable purchases matched 100 % of the electricity its operations used in 2023, data centres included (annual matching, not hourly)",
     2023, "amazon-sustainability-2023", "aws-pue-2025", 2025,
     "pue: AWS's own global PUE for 2025 (1.14; 1.15 for 2023 and 2024, aws-pue-2025); low 1.135 CCF PUE_AVG (ccf-app, a third-party estimate of ~2021); high 1.2 from nutanix-pue-2023 via green-algorithms-v3; offset/claim: amazon-sustainability-2023. The calculator (mlco2-impact) has no single AWS figure: offsetRatio 100 for us-west-2, ca-central-1, eu-central-1, eu-west-1, us-gov-west-1 and 0 for the other 17 rows (2019 list); Green Algorithms servers_offset says 100"),
    ("gcp", "Google Cloud Platform", "GCP|Google Cloud|Google", 1.10, 1.07, 1.15, "ccf-app", 100,
     "Google says its renewable purchases have matched 100 % of its annual electricity use every year since 2017; hourly carbon-free share per region is published as CFE %",
     2017, "google-renewable-2017", "ccf-app", 2022,
     "pue: CCF PUE_AVG (~2021-2023); spread covers green-algorithms-v3 fleet 1.12 (nutanix-pue-2023) and per-region figures 1.07-1.15 (CCF TTM ~2022, Google 2020 via Green Algorithms); offset 100 also in mlco2-impact and green-algorithms-v3; claim: google-renewable-2017"),
    ("azure", "Microsoft Azure", "Azure|Microsoft|Microsoft Azure", 1.185, 1.12, 1.185, "ccf-app", 100,
     "Microsoft says its operations have been carbon neutral since 2012 through an internal carbon fee, renewable energy purchases and offsets, with a goal of 100 % renewable matching by 2025",
     2012, "microsoft-carbon-neutral-2012", "ccf-app", 2021,
     "pue: CCF PUE_AVG (~2021); low 1.12 from nutanix-pue-2023 via green-algorithms-v3 (Microsoft's design PUE for new sites, not verified here); offset 100 as in mlco2-impact and green-algorithms-v3; claim: microsoft-carbon-neutral-2012"),
    ("alibaba", "Alibaba Cloud", "Alibaba|Aliyun|ali|Alibaba Cloud", 1.3, 1.2, 1.3, "ccf-app", "",
     "", "", "", "ccf-app", 2023,
     "pue: CCF PUE_AVG 1.3, and 1.2 for its north-China regions (Qingdao, Beijing, Zhangjiakou, Hohhot, Ulanqab); no offset claim in the references"),
    ("ovhcloud", "OVHcloud", "OVH|OVHCloud|ovh", 1.09, 1.09, 1.09, "green-algorithms-v3", 0,
     "OVHcloud states targets of 100 % low-carbon electricity by 2025 and carbon neutrality by 2030 (targets, not achievements)",
     2023, "ovhcloud-bhs-2023", "green-algorithms-v3", 2023,
     "pue: nutanix-pue-2023 via green-algorithms-v3 (not checked against OVHcloud's own reports); offset 0 from mlco2-impact (provider id `ovh`); claim: ovhcloud-bhs-2023"),
    ("scaleway", "Scaleway", "Scaleway|scw", 1.405, 1.15, 1.55, "scaleway-silicon-2022", 100,
     "Scaleway says all its data centres are supplied with renewable electricity (as reported in 2022)",
     2022, "scaleway-silicon-2022", "scaleway-silicon-2022", 2020,
     "pue: median of Scaleway's six published site PUEs (DC2 1.55, DC3 1.31, DC4 1.50, DC5 1.15 in Paris; AMS1 1.2; WAW1 1.51; Scaleway 2018-2020 impact report via scaleway-silicon-2022, secondary), low/high their extremes; Amsterdam and Warsaw take their single site's figure (regions.csv); offset 100 from mlco2-impact; claim: scaleway-silicon-2022"),
    ("coreweave", "CoreWeave", "CoreWeave", "", "", "", "", 0,
     "", "", "", "mlco2-impact", 2026,
     "offset 0 from mlco2-impact; no PUE or claim in the references"),
    ("oracle", "Oracle Cloud Infrastructure", "OCI|Oracle|Oracle Cloud", 1.2, 1.2, 1.2, "green-algorithms-v3", "",
     "Oracle pledged in 2021 to run its cloud and facilities on 100 % renewable energy by 2025 and said its European cloud regions already did",
     2021, "oracle-renewable-2021", "green-algorithms-v3", 2023,
     "pue: nutanix-pue-2023 via green-algorithms-v3; offset left empty (a target, not a reported share); claim: oracle-renewable-2021"),
    ("seeweb", "Seeweb", "Seeweb", 1.2, 1.2, 1.2, "mlco2-impact", 0,
     "the calculator records Seeweb's Frosinone site as supplied with 100 % carbon-free energy (Green Web Foundation check)",
     "", "mlco2-impact", "mlco2-impact", 2026,
     "pue and offset from the calculator's single row (fro2); one site only"),
]
# On-site water: provider-published water usage effectiveness (WUE, litres of water per kWh of IT energy).
# Only figures read in stored text; none found for Google, Oracle, Alibaba, OVHcloud, CoreWeave, Seeweb; Scaleway's
# per-site figures (0 for DC2-DC4, "below 0.2" for DC5) give no central value for Paris and none for its other sites.
# region "" = the provider's fleet figure. low/high: the provider's figures from 2022 on.
WATER = [
    # provider, region, wue, low, high, source, year, notes
    ("aws", "", 0.12, 0.12, 0.15, "aws-wue-2025", 2025,
     "global WUE 0.12 L/kWh in 2025 (Amazon News, as quoted by humanprogress.org); high 0.15 for 2024 (siliconflash.com report of AWS's figure); 0.25 in 2021 (GreenBiz)"),
    ("azure", "", 0.27, 0.27, 0.30, "microsoft-wue-2025", 2025,
     "WUE of its owned fleet 0.27 L/kWh for 2025 (Microsoft, 2026-06-24, as reported by windowsforum.com); high 0.30 for the previous fiscal year (reported 2024, cybertechbiz.com); 0.49 in 2021"),
]
WATER_COLS = ["provider", "region", "wue_l_per_kwh", "low", "high", "source", "year", "notes"]

PROVIDER_COLS = ["id", "name", "aliases", "pue", "pue_low", "pue_high", "pue_source", "offset_percent", "claim",
                 "claim_year", "claim_source", "source", "year", "notes"]

EQUIVALENTS = [
    # id, name, g per unit, unit, source, year, notes
    ("car_km", "Passenger car, EU/UK average", 175, "km", "uk-ghg-factors-2019", 2019,
     "as quoted in green-algorithms-v3 referenceValues.csv (passengerCar_EU_perkm)"),
    ("car_km_us", "Passenger car, US average", 251, "km", "epa-typical-vehicle", 2018,
     "about 404 g per mile; as quoted in green-algorithms-v3 referenceValues.csv (passengerCar_US_perkm)"),
    ("car_km_eu_new", "New car registered in the EU in 2023 (type-approval average)", 106.6, "km", "eea-new-cars-2023", 2023,
     "tailpipe type-approval (WLTP) average of new cars only, not the fleet; EEA provisional 2023 data; CodeCarbon's web app uses 133"),
    ("flight_passenger_km", "Economy flight, per passenger", 171, "passenger-km", "uk-ghg-factors-2020", 2020,
     "Green Algorithms notes 139-244 g depending on distance and how non-CO2 effects are counted"),
    ("train_passenger_km", "Train, per passenger", 41, "passenger-km", "uk-ghg-factors-2020", 2020,
     "UK national rail; Green Algorithms notes 5-37 g is more typical of other networks"),
    ("smartphone_charge", "Full smartphone charge", 8.22, "charge", "epa-ghg-equivalencies", 2020,
     "8.22e-6 tCO2 per charge; edition not pinned in the references (a newer edition quoted elsewhere gives 15.1 g)"),
    ("tree_year", "CO2 absorbed by one mature tree in a year", 11000, "tree-year", "nowak-crane-2002", 2002,
     "urban tree average; as quoted in green-algorithms-v3 referenceValues.csv (treeYear)"),
    ("tree_month", "CO2 absorbed by one mature tree in a month", 917, "tree-month", "nowak-crane-2002", 2002,
     "tree_year / 12 as in green-algorithms-v3 referenceValues.csv (tree_month)"),
    ("streaming_hour", "One hour of video streaming (Netflix)", 36, "hour", "carbonbrief-netflix-2020", 2020,
     "as quoted in green-algorithms-v3 referenceValues.csv (streaming_netflix_perhour)"),
    ("flight_paris_london", "Flight Paris-London, one way", 50000, "passenger", "carbonfootprint-flight-calc", 2020,
     "as quoted in green-algorithms-v3 referenceValues.csv (flight_PAR-LON)"),
    ("flight_paris_dublin", "Flight Paris-Dublin, one way", 110000, "passenger", "carbonfootprint-flight-calc", 2020,
     "as quoted in green-algorithms-v3 referenceValues.csv (flight_PAR-DUB)"),
    ("flight_new_york_san_francisco", "Flight New York-San Francisco, one way", 570000, "passenger", "carbonfootprint-flight-calc", 2020,
     "as quoted in green-algorithms-v3 referenceValues.csv (flight_NY-SF)"),
    ("flight_new_york_melbourne", "Flight New York-Melbourne, one way", 2310000, "passenger", "carbonfootprint-flight-calc", 2020,
     "as quoted in green-algorithms-v3 referenceValues.csv (flight_NYC-MEL)"),
]

CONSTANTS = [
    ("pue_unknown_datacenter", 1.56, "ratio", 1.0, 1.67, "uptime-2024", 2024,
     "industry-average PUE from the 2024 survey, the default Green Algorithms v3.0 uses for unknown and on-premise sites; low 1.0 is the definitional floor (all power reaches IT); high 1.67 is Uptime's 2019 average (uptime-2019, as quoted by the Galaxy project)"),
]


def write_csv(path, cols, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(cols)
    for r in rows:
        w.writerow([r[c] for c in cols] if isinstance(r, dict) else list(r))
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


def main():
    regions = build_regions()
    # validation
    errors = []
    keys = set()
    for r in regions:
        k = (r["provider"], r["region"])
        if k in keys:
            errors.append(f"dup {k}")
        keys.add(k)
        for c in ("source", "year", "zone", "region", "provider"):
            if r[c] in ("", None):
                errors.append(f"{k}: empty {c}")
        if r["source"] not in SOURCE_IDS:
            errors.append(f"{k}: unknown source {r['source']}")
        if r["pue"] and not (1.0 <= float(r["pue"]) <= 2.0):
            errors.append(f"{k}: pue {r['pue']}")
        if bool(r["pue"]) != bool(r["pue_source"]) or (r["pue_source"] and r["pue_source"] not in SOURCE_IDS):
            errors.append(f"{k}: pue_source {r['pue_source']!r} for pue {r['pue']!r}")
        if r["cfe_percent"] and not (0 <= float(r["cfe_percent"]) <= 100):
            errors.append(f"{k}: cfe {r['cfe_percent']}")
        for word in r["notes"].replace(",", " ").replace(";", " ").replace("(", " ").replace(")", " ").split():
            if word in {"ccf-app", "mlco2-impact", "green-algorithms-v3", "codecarbon-cloud"} and word not in SOURCE_IDS:
                errors.append(f"{k}: notes cite unknown {word}")
    for p in PROVIDERS:
        assert len(p) == len(PROVIDER_COLS), p[0]
        if p[11] not in SOURCE_IDS:
            errors.append(f"provider {p[0]}: unknown source")
        if (p[3] != "") != (p[6] != "") or (p[6] and p[6] not in SOURCE_IDS):
            errors.append(f"provider {p[0]}: pue_source {p[6]!r}")
        if (p[8] != "") != (p[10] != "") or (p[10] and p[10] not in SOURCE_IDS):
            errors.append(f"provider {p[0]}: claim_source {p[10]!r}")
        for v in p[3:6]:
            if v != "" and not (1.0 <= v <= 2.0):
                errors.append(f"provider {p[0]}: pue {v}")
        if p[3] != "" and not (p[4] <= p[3] <= p[5]):
            errors.append(f"provider {p[0]}: pue outside spread")
    for w in WATER:
        if w[5] not in SOURCE_IDS or w[0] not in {p[0] for p in PROVIDERS} or not (0 <= w[3] <= w[2] <= w[4] < 5):
            errors.append(f"water {w[0]}/{w[1]}: source, provider or low <= value <= high")
        if w[1] and (w[0], w[1]) not in {(r["provider"], r["region"]) for r in regions}:
            errors.append(f"water {w[0]}/{w[1]}: unknown region")
    for e in EQUIVALENTS:
        if e[4] not in SOURCE_IDS:
            errors.append(f"equivalent {e[0]}: unknown source")
    for c in CONSTANTS:
        if c[5] not in SOURCE_IDS:
            errors.append(f"constant {c[0]}: unknown source")
    providers_in_regions = {r["provider"] for r in regions}
    if providers_in_regions - {p[0] for p in PROVIDERS}:
        errors.append(f"providers missing: {providers_in_regions - {p[0] for p in PROVIDERS}}")
    if len(regions) < 150:
        errors.append(f"only {len(regions)} regions")
    region_codes = {r["region"] for r in regions}
    texts = [r["notes"] for r in regions] + [p[13] for p in PROVIDERS] + [e[6] for e in EQUIVALENTS] + [c[7] for c in CONSTANTS] + [w[7] for w in WATER]
    for t in texts:
        for tok in re.findall(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+", t):
            if tok not in SOURCE_IDS and tok not in region_codes and tok not in IDLIKE_OK:
                errors.append(f"id-like token in notes not a source: {tok}")
    if errors:
        print("\n".join(errors))
        sys.exit(1)

    os.makedirs(DATA, exist_ok=True)
    write_csv(f"{DATA}/regions.csv", REGION_COLS, regions)
    write_csv(f"{DATA}/providers.csv", PROVIDER_COLS,
              [[num(v) if isinstance(v, float) else v for v in p] for p in PROVIDERS])
    write_csv(f"{DATA}/water.csv", WATER_COLS, [[num(v) if isinstance(v, float) else v for v in w] for w in WATER])
    write_csv(f"{DATA}/equivalents.csv", ["id", "name", "g_co2e_per_unit", "unit", "source", "year", "notes"],
              [[num(v) if isinstance(v, float) else v for v in e] for e in EQUIVALENTS])
    write_csv(f"{DATA}/_constants_cloud.csv", ["id", "value", "unit", "low", "high", "source", "year", "notes"],
              [[num(v) if isinstance(v, float) else v for v in c] for c in CONSTANTS])
    write_csv(f"{DATA}/_sources_cloud.csv", ["id", "title", "publisher", "url", "license", "year", "notes"], SOURCES)

    from collections import Counter
    print("regions", len(regions), dict(Counter(r["provider"] for r in regions)))
    print("zones", sorted({r["zone"] for r in regions}))


if __name__ == "__main__":
    main()
