//! The OpenAPI 3 document of the API (`/api/openapi.json`): the request parameters come from
//! the model's descriptions (`mlcarbon_model::params`), the rest is written here.

use mlcarbon_data::ZoneKind;
use mlcarbon_model::params::{self, Kind, Param};
use serde_json::{Value, json};

use crate::query::ESTIMATE_PARAMS;

/// A query parameter. A blank value counts as absent (what an HTML form sends for an empty
/// field), so every parameter also takes one.
fn param(name: &str, description: &str, schema: Value) -> Value {
    let blank =
        json!({ "type": "string", "pattern": "^\\s*$", "description": "blank: as if absent" });
    json!({ "name": name, "in": "query", "required": false, "description": description,
        "schema": { "anyOf": [schema, blank] } })
}

fn text(name: &str, description: &str) -> Value {
    param(
        name,
        description,
        json!({ "type": "string", "maxLength": 200 }),
    )
}

fn integer(name: &str, description: &str, min: u64, max: u64) -> Value {
    param(
        name,
        description,
        json!({ "type": "integer", "minimum": min, "maximum": max }),
    )
}

fn choice(name: &str, description: &str, values: &[&str]) -> Value {
    param(
        name,
        description,
        json!({ "type": "string", "enum": values }),
    )
}

/// A parameter as the model describes it (name in kebab case, snake case also taken).
fn described(p: &Param) -> Value {
    let schema = match p.kind {
        Kind::Text => json!({ "type": "string", "maxLength": 200 }),
        Kind::Time => json!({ "type": "string", "maxLength": 200, "description": "RFC 3339" }),
        Kind::Switch => json!({ "type": "string", "enum": ["true", "false"] }),
        Kind::Choice(names) => json!({ "type": "string", "enum": names }),
        Kind::Whole { min, max } => json!({ "type": "integer", "minimum": min, "maximum": max }),
        Kind::Number {
            min,
            min_open,
            max,
            max_open,
            ..
        } => {
            let mut schema = json!({ "type": "number", "minimum": min, "maximum": max });
            if min_open {
                schema["exclusiveMinimum"] = json!(true);
            }
            if max_open {
                schema["exclusiveMaximum"] = json!(true);
            }
            schema
        }
    };
    let mut description = p.help.to_string();
    if let Some(default) = p.default {
        description.push_str(&format!(" Default {default}."));
    }
    if p.name.contains('_') {
        description.push_str(&format!(" Also `{}`.", p.name));
    }
    param(&p.flag(), &description, schema)
}

fn all_described(lists: &[&[Param]]) -> Vec<Value> {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for p in lists.iter().flat_map(|l| l.iter()) {
        if !seen.contains(&p.name) {
            seen.push(p.name);
            out.push(described(p));
        }
    }
    out
}

/// The parameters that describe a job, as `estimate`, `compare` and `statement` take them.
fn job_params() -> Vec<Value> {
    all_described(&ESTIMATE_PARAMS)
}

/// The parameters of `/api/advise`, `/api/schedule`, `/api/plan-search`, `/api/inference`.
fn capability_paths() -> Value {
    let format = || choice("format", "Only json.", &["json"]);
    let mut advise = all_described(&[params::JOB, params::LOCATION, params::ADVISE_EXTRA]);
    advise.push(format());
    let mut schedule = all_described(&[params::JOB, params::SCHEDULE_EXTRA]);
    schedule.push(param(
        "profile",
        "A profile of your own instead of the zone's: the CSV text that `mlcarbon schedule --profile FILE` reads (hour,g_per_kwh; month,hour,g_per_kwh; or timestamp,g_per_kwh). A query string holds 8 KiB in all: a longer profile goes in a POST body (64 KiB).",
        json!({ "type": "string", "maxLength": 2000 }),
    ));
    schedule.push(format());
    let mut plan = all_described(&[params::JOB, params::LOCATION, params::PLAN_SEARCH_EXTRA]);
    plan.push(format());
    let mut inference = all_described(&[params::JOB, params::LOCATION, params::INFERENCE_EXTRA]);
    inference.push(format());
    let object = |d: &str| {
        json_response(
            d,
            json!({ "type": "object", "description": "Fields documented in docs/cli.md." }),
        )
    };
    json!({
        "/api/advise": { "get": get(
            "What to do about a job's emissions, ranked by justified saving (as `mlcarbon advise --format json`).",
            advise, object("The advice.")),
            "post": post_params("The same, parameters in a JSON body.", object("The advice.")) },
        "/api/schedule": { "get": get(
            "The best time to start a job within a window, from the zone's intensity profile (as `mlcarbon schedule --format json`).",
            schedule, object("The schedule.")),
            "post": post_params("The same, parameters in a JSON body (a profile's text fits here).", object("The schedule.")) },
        "/api/plan-search": { "get": get(
            "A grid against random search and successive halving, costed with one trial (as `mlcarbon plan-search --format json`).",
            plan, object("The plan.")),
            "post": post_params("The same, parameters in a JSON body.", object("The plan.")) },
        "/api/inference": { "get": get(
            "Inference energy and emissions per request, per day and in all, with training amortized (as `mlcarbon estimate --requests … --format json`).",
            inference, object("The inference report.")),
            "post": post_params("The same, parameters in a JSON body.", object("The inference report.")) }
    })
}

fn with(mut base: Vec<Value>, more: Vec<Value>) -> Vec<Value> {
    base.extend(more);
    base
}

fn run_filter_params() -> Vec<Value> {
    vec![
        text("project", "Only runs of this project."),
        text("experiment", "Only runs of this experiment."),
        text("job", "Only runs of this distributed job (its job key)."),
        text("tag", "Only runs with this tag."),
        text(
            "since",
            "Runs started at or after: a date (2024-01-31, midnight UTC) or RFC 3339.",
        ),
        text(
            "until",
            "Runs started before: a date (that whole day included) or RFC 3339.",
        ),
        choice(
            "status",
            "Only runs with this status.",
            &["running", "finished", "interrupted", "failed"],
        ),
        integer("limit", "At most this many runs, newest first.", 1, 10_000),
    ]
}

fn json_response(description: &str, schema: Value) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": schema } }
    })
}

fn errors() -> Value {
    let error = json!({ "$ref": "#/components/schemas/Error" });
    json!({
        "400": json_response("Bad input; `field` names the parameter at fault.", error.clone()),
        "404": json_response("Not found.", error.clone()),
        "414": json_response("Query string longer than 8 KiB.", error.clone()),
        "413": { "description": "Body larger than 64 KiB." },
        "408": json_response("The body did not arrive within 10 s of the headers.", error.clone()),
        "503": json_response("The server serves its maximum of connections; retry.", error)
    })
}

/// `?pretty` on any JSON answer.
fn pretty_param() -> Value {
    choice(
        "pretty",
        "Indent the JSON answer (`?pretty` alone also does); compact by default.",
        &["true", "false", "1", "0"],
    )
}

fn get(summary: &str, mut params: Vec<Value>, ok: Value) -> Value {
    params.push(pretty_param());
    let mut responses = errors();
    if let Some(map) = responses.as_object_mut() {
        map.insert("200".to_string(), ok);
    }
    json!({ "summary": summary, "parameters": params, "responses": responses })
}

fn post_params(summary: &str, ok: Value) -> Value {
    let mut responses = errors();
    if let Some(map) = responses.as_object_mut() {
        map.insert("200".to_string(), ok);
    }
    json!({
        "summary": summary,
        "requestBody": {
            "description": "A JSON object with the same names as the query parameters (kebab-case or snake_case), e.g. {\"hardware\": \"A100 SXM4 80GB\", \"count\": 8, \"hours\": 72, \"zone\": \"FR\"}.",
            "content": { "application/json": { "schema": { "type": "object", "additionalProperties": true } } }
        },
        "responses": responses
    })
}

/// A write of the tracker ingest (`crate::ingest`): the uuid in the path, a JSON body, the
/// token, and the answers every such write can get besides `answers`.
fn ingest_op(summary: &str, body: Value, answers: Value) -> Value {
    let mut responses = json!({
        "400": json_response("Bad uuid or body; `field` is the path of the bad value.", schema_ref("Error")),
        "401": json_response("Missing or wrong bearer token.", schema_ref("Error")),
        "403": json_response("The server is read-only (started without a token).", schema_ref("Error")),
        "413": { "description": "Body too large." }
    });
    if let (Some(map), Value::Object(more)) = (responses.as_object_mut(), answers) {
        map.extend(more);
    }
    json!({
        "summary": summary,
        "security": [{ "bearer": [] }],
        "parameters": [{ "name": "id", "in": "path", "required": true,
            "description": "The run's uuid.",
            "schema": { "type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$" } }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": body } } },
        "responses": responses
    })
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn array_of(name: &str) -> Value {
    json!({ "type": "array", "items": schema_ref(name) })
}

/// A `POST` of CodeCarbon's API client: a JSON body, 201 with `{"id": ...}`.
fn codecarbon_post(summary: &str, body: &str, id: &str) -> Value {
    json!({
        "summary": summary,
        "security": [{ "apiToken": [] }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": schema_ref(body) } } },
        "responses": {
            "201": json_response("Stored (CodeCarbon takes any other status as a failure).",
                json!({ "type": "object", "required": ["id"], "properties": { "id": { "description": id } } })),
            "400": json_response("Bad body; `field` names the field at fault.", schema_ref("Error")),
            "401": json_response("Missing or wrong x-api-token.", schema_ref("Error")),
            "403": json_response("The server is read-only (started without a token).", schema_ref("Error")),
            "404": json_response("No run with this run_id, or no run database.", schema_ref("Error")),
            "413": { "description": "Body larger than 64 KiB." }
        }
    })
}

/// A management `GET`: the server's token as a bearer token.
fn manage_get(summary: &str, params: Vec<Value>, ok: Value) -> Value {
    json!({
        "summary": summary,
        "security": [{ "bearer": [] }],
        "parameters": params,
        "responses": {
            "200": json_response("Found.", ok),
            "401": json_response("Missing or wrong bearer token.", schema_ref("Error")),
            "403": json_response("The server is read-only (started without a token).", schema_ref("Error")),
            "404": json_response("Not found.", schema_ref("Error"))
        }
    })
}

/// A management `POST`: 201 with what was created.
fn manage_post(summary: &str, params: Vec<Value>, body: &str, made: &str) -> Value {
    json!({
        "summary": summary,
        "security": [{ "bearer": [] }],
        "parameters": params,
        "requestBody": { "required": true, "content": { "application/json": { "schema": schema_ref(body) } } },
        "responses": {
            "201": json_response("Created.", schema_ref(made)),
            "400": json_response("Bad body; `field` names the field at fault.", schema_ref("Error")),
            "401": json_response("Missing or wrong bearer token.", schema_ref("Error")),
            "403": json_response("The server is read-only (started without a token).", schema_ref("Error")),
            "404": json_response("The organisation or project named does not exist.", schema_ref("Error")),
            "409": json_response("The name is taken.", schema_ref("Error")),
            "413": { "description": "Body larger than 64 KiB." }
        }
    })
}

fn id_param(description: &str) -> Value {
    json!({ "name": "id", "in": "path", "required": true, "description": description,
        "schema": { "type": "string", "maxLength": 200 } })
}

/// A required name or id: 1 to 200 characters.
fn manage_name() -> Value {
    json!({ "type": "string", "minLength": 1, "maxLength": 200 })
}

/// A text field of a CodeCarbon body: longer ones are refused.
fn cc_text() -> Value {
    json!({ "type": "string", "maxLength": 200, "nullable": true })
}

fn codecarbon_run_schema() -> Value {
    let count = json!({ "type": "integer", "minimum": 0, "maximum": u32::MAX, "nullable": true });
    json!({ "type": "object", "required": ["timestamp", "experiment_id"],
        "description": "CodeCarbon 3.3.2's RunCreate. Its longitude and latitude are not kept.",
        "properties": {
            "timestamp": { "type": "string", "maxLength": 200, "description": "ISO 8601 with an offset." },
            "experiment_id": { "type": "string", "maxLength": 200 },
            "os": cc_text(), "python_version": cc_text(), "codecarbon_version": cc_text(),
            "cpu_count": count.clone(), "cpu_model": cc_text(),
            "gpu_count": count, "gpu_model": cc_text(),
            "region": cc_text(), "provider": cc_text(),
            "ram_total_size": { "type": "number", "minimum": 0, "nullable": true, "description": "GB." },
            "tracking_mode": { "type": "string", "enum": ["machine", "process"], "nullable": true,
                "description": "Kept as the run's attribution." } } })
}

fn codecarbon_emission_schema() -> Value {
    let amount = |d: &str| json!({ "type": "number", "minimum": 0, "description": d });
    let percent = json!({ "type": "number", "nullable": true });
    json!({ "type": "object",
        "required": ["timestamp", "run_id", "duration", "emissions_sum", "cpu_energy", "gpu_energy", "ram_energy", "energy_consumed"],
        "description": "CodeCarbon 3.3.2's EmissionCreate: energies and emissions of the interval since the previous post. Its powers (means since the start), emissions_rate and wue are not kept: the interval's energies give the powers.",
        "properties": {
            "timestamp": { "type": "string", "maxLength": 200, "description": "ISO 8601 with an offset." },
            "run_id": { "type": "string", "maxLength": 200, "description": "The id POST /runs answered." },
            "duration": amount("Seconds of this interval."),
            "emissions_sum": amount("kg CO2e of this interval."),
            "cpu_energy": amount("kWh of this interval."),
            "gpu_energy": amount("kWh of this interval."),
            "ram_energy": amount("kWh of this interval."),
            "energy_consumed": amount("kWh of this interval, all components."),
            "cpu_utilization_percent": percent.clone(),
            "gpu_utilization_percent": percent.clone(),
            "ram_utilization_percent": percent } })
}

/// The tracker ingest (`crate::ingest`): operations added to the paths `/api/runs/{id}` and
/// `/api/runs/{id}/samples` hold for reading, and two paths of its own; with its schemas.
fn ingest_paths() -> (Vec<(&'static str, &'static str, Value)>, Value) {
    let operations = vec![
        (
            "/api/runs/{id}",
            "put",
            ingest_op(
                "A pushed run's start (mlcarbon_store::NewRun, its uuid the path's): stored, or confirmed when an earlier push stored the same run (same host and start). Needs the server's token.",
                schema_ref("PostedRun"),
                json!({ "201": json_response("Stored now.", schema_ref("IngestedRun")),
                        "200": json_response("Already stored by an earlier push.", schema_ref("IngestedRun")),
                        "409": json_response("Another run (other host or start) has this uuid.", schema_ref("Error")) }),
            ),
        ),
        (
            "/api/runs/{id}/samples",
            "post",
            ingest_op(
                "A batch of a pushed run's samples, {\"samples\": [mlcarbon_store::SampleRow]} (at most 5000, 8 MiB): each (uuid, seq) is stored once and only new samples add to the run's totals, so a batch may be sent again. Needs the server's token.",
                json!({ "type": "object", "required": ["samples"], "properties": {
                    "samples": { "type": "array", "maxItems": 5000, "items": { "type": "object", "description": "mlcarbon_store::SampleRow" } } } }),
                json!({ "200": json_response("Stored.", schema_ref("BatchAnswer")),
                        "404": json_response("No run with this uuid: PUT its start first.", schema_ref("Error")) }),
            ),
        ),
        (
            "/api/runs/{id}/windows",
            "post",
            ingest_op(
                "Windows of a pushed run, {\"windows\": [{\"position\": 0, ...mlcarbon_store::RunWindow}]}: each position is stored once. Needs the server's token.",
                json!({ "type": "object", "required": ["windows"], "properties": {
                    "windows": { "type": "array", "maxItems": 5000, "items": { "type": "object" } } } }),
                json!({ "200": json_response("Stored.", schema_ref("BatchAnswer")),
                        "404": json_response("No run with this uuid: PUT its start first.", schema_ref("Error")) }),
            ),
        ),
        (
            "/api/runs/{id}/end",
            "put",
            ingest_op(
                "How a pushed run ended (mlcarbon_store::RunEnd); again changes nothing. Needs the server's token.",
                json!({ "type": "object", "description": "mlcarbon_store::RunEnd" }),
                json!({ "200": json_response("Recorded.", json!({ "type": "object", "properties": {
                            "id": { "type": "integer" }, "status": { "type": "string" } } })),
                        "404": json_response("No run with this uuid: PUT its start first.", schema_ref("Error")) }),
            ),
        ),
    ];
    let schemas = json!({
                "IngestedRun": { "type": "object", "required": ["id", "created"], "properties": {
                    "id": { "type": "integer" }, "created": { "type": "boolean" } } },
                "BatchAnswer": { "type": "object", "required": ["received", "stored"], "properties": {
                    "received": { "type": "integer", "description": "Items in the request." },
                    "stored": { "type": "integer", "description": "Items new to the server (the rest were stored before)." } } }
    });
    (operations, schemas)
}

/// The document.
pub fn document() -> Value {
    let estimate_extra = vec![
        choice(
            "compat",
            "Reproduce the published ML Emissions Calculator (its data and rounding).",
            &["mlco2"],
        ),
        choice(
            "dataset",
            "Which tables: mlcarbon (default), the calculator's current (mlco2) or 2019 data.",
            &["mlcarbon", "mlco2", "mlco2-2019"],
        ),
        choice("format", "Only json.", &["json"]),
    ];
    let compare_extra = vec![
        choice(
            "by",
            "What to vary (default: regions with a provider, else zones).",
            &["regions", "providers", "zones", "hardware"],
        ),
        integer("limit", "Rows to return (default 15).", 1, 1000),
        text(
            "with",
            "With by=hardware: an accelerator to compare with (repeatable, at most 50).",
        ),
        choice("format", "Only json.", &["json"]),
    ];
    let statement_extra = vec![
        text("activity", "What the figure covers (default `training`)."),
        choice(
            "format",
            "markdown (default), latex, bibtex, or json with all three.",
            &["markdown", "latex", "bibtex", "json"],
        ),
        choice(
            "long",
            "true: the full text (ranges, formula, embodied emissions, every input and source); default short.",
            &["true", "false"],
        ),
        choice(
            "lang",
            "Language of the text: en (default) or de.",
            &["en", "de"],
        ),
    ];
    let text_ok = |t: &str| {
        json!({ "description": t, "content": {
            "text/markdown": { "schema": { "type": "string" } },
            "application/x-latex": { "schema": { "type": "string" } },
            "application/x-bibtex": { "schema": { "type": "string" } },
            "application/json": { "schema": { "type": "object" } } } })
    };
    let file_ok = |t: &str| {
        json!({ "description": t, "content": {
            "text/csv": { "schema": { "type": "string" } },
            "application/json": { "schema": { "type": "array" } },
            "application/jsonl": { "schema": { "type": "string" } } } })
    };
    let export_format = choice(
        "format",
        "codecarbon (default: CodeCarbon's emissions.csv), csv, json or jsonl.",
        &["codecarbon", "csv", "json", "jsonl"],
    );
    let run_id = json!({ "name": "id", "in": "path", "required": true,
        "description": "Run id, `last`, or the run's uuid (the same on every server a pushed run reached).",
        "schema": { "type": "string", "pattern": "^(last|[0-9]{1,18}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$" } });
    let mut run_get = get(
        "One stored run with its components (as `mlcarbon show --format json`).",
        vec![],
        json_response("The run.", schema_ref("RunDetail")),
    );
    run_get["parameters"] = json!([run_id.clone(), pretty_param()]);
    let job_total = json!({ "type": "object", "description": "A distributed job (mlcarbon_store::JobTotal): the runs sharing a job key, each host counted once.",
                    "required": ["job_key", "status", "energy_kwh", "emissions_kg", "nodes"],
                    "properties": {
                        "job_key": { "type": "string" }, "status": { "type": "string" }, "started_at": { "type": "string" },
                        "ended_at": { "type": "string", "nullable": true }, "energy_kwh": { "type": "number" },
                        "emissions_kg": { "type": "number" }, "world_size": { "type": "integer" }, "runs": { "type": "integer" },
                        "projects": { "type": "array", "items": { "type": "string" } },
                        "nodes": { "type": "array", "items": { "type": "object", "properties": {
                            "host": { "type": "string" }, "counted_as": { "type": "string", "enum": ["machine", "process", "link"] },
                            "energy_kwh": { "type": "number" }, "emissions_kg": { "type": "number" },
                            "run_ids": { "type": "array", "items": { "type": "integer" } },
                            "ranks": { "type": "array", "items": { "type": "integer" } } } } } } });
    let mut job_get = get(
        "One distributed job: its total and each host, counted once (as `mlcarbon show job:KEY --format json`).",
        vec![],
        json_response("The job.", schema_ref("JobTotal")),
    );
    job_get["parameters"] = json!([
        { "name": "key", "in": "path", "required": true,
          "description": "The job key (`slurm:1234.0`, `torchelastic:ID`, or what `--job` gave).",
          "schema": { "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^\\u0000-\\u001f\\u007f]+$" } },
        pretty_param()
    ]);
    let mut samples_get = get(
        "The samples of a run.",
        vec![choice(
            "format",
            "json (default), csv or jsonl.",
            &["json", "csv", "jsonl"],
        )],
        file_ok("The samples."),
    );
    if let Some(list) = samples_get["parameters"].as_array_mut() {
        list.insert(0, run_id.clone());
    }
    let mut power_get = get(
        "A run's power over time, downsampled by the database (what `mlcarbon show` draws).",
        vec![integer(
            "points",
            "At most this many points (1 to 2000, default 60).",
            1,
            2000,
        )],
        json_response("The power series.", schema_ref("PowerSeries")),
    );
    if let Some(list) = power_get["parameters"].as_array_mut() {
        list.insert(0, run_id.clone());
    }
    let mut export_get = get(
        "One run as a file.",
        vec![export_format.clone()],
        file_ok("The file."),
    );
    if let Some(list) = export_get["parameters"].as_array_mut() {
        list.insert(0, run_id);
    }
    let estimate_report = json!({ "type": "object", "description": "Fields of `mlcarbon estimate --format json`, documented in docs/cli.md.",
                    "required": ["mlcarbon_version", "dataset", "mode", "job", "location", "energy_kwh", "emissions_kg", "range", "provenance"],
                    "properties": {
                        "mlcarbon_version": { "type": "string" }, "dataset": { "type": "string" }, "mode": { "type": "string" },
                        "job": { "type": "string" }, "hardware": { "type": "string", "nullable": true }, "count": { "type": "integer" },
                        "hours": { "type": "number" }, "location": { "type": "object" },
                        "energy_kwh": { "type": "number" }, "it_energy_kwh": { "type": "number" }, "emissions_kg": { "type": "number" },
                        "offset_kg": { "type": "number", "nullable": true }, "offset_percent": { "type": "number", "nullable": true },
                        "intensity_g_per_kwh": { "type": "number" }, "pue": { "type": "number" },
                        "energy_kwh_low": { "type": "number" }, "energy_kwh_high": { "type": "number" },
                        "emissions_kg_low": { "type": "number" }, "emissions_kg_high": { "type": "number" },
                        "intensity_g_per_kwh_low": { "type": "number" }, "intensity_g_per_kwh_high": { "type": "number" },
                        "pue_low": { "type": "number" }, "pue_high": { "type": "number" },
                        "range": { "type": "object", "description": "The same ends as nested {low, high} objects (kept for older readers)." },
                        "components": { "type": "array", "items": { "type": "object" } },
                        "provenance": { "type": "array", "items": { "type": "object" } },
                        "equivalents": { "type": "array", "items": { "type": "object" } },
                        "greener_options": { "type": "array", "items": schema_ref("Option") },
                        "caveats": { "type": "array", "items": { "type": "string" } },
                        "mlco2": { "type": "object", "nullable": true } } });
    let mut document = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "mlcarbon",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Energy and carbon emissions of machine-learning jobs, with a range and the source of every figure. Query parameters are named like the flags of the `mlcarbon` CLI, and the answers are the JSON that `mlcarbon … --format json` prints. Bad input gets 400 with {\"error\", \"field\"}; a blank parameter counts as absent. JSON is compact unless `pretty` is given. Read-only unless the server was started with a token (MLCARBON_TOKEN or --token-file); runs' command lines are shown only to requests that bear it, unless the server was started with --public-commands. Accounts: once the server's database holds a user token (`mlcarbon serve token create`), reading stored runs, jobs and /metrics needs a token (the server's, or a user's `mlct_…` token as bearer, x-api-token or the /login cookie; 401 without), a user token sees only runs of its teams' projects and of projects of no team (another team's run is 404), and writing needs a write-scope token of the project's team (403 otherwise)."
        },
        "paths": {
            "/api/estimate": {
                "get": get(
                    "Energy and emissions of a job (as `mlcarbon estimate --format json`).",
                    with(job_params(), estimate_extra),
                    json_response("The estimate; with compat or dataset mlco2, the calculator's report.", json!({ "oneOf": [schema_ref("EstimateReport"), schema_ref("CompatReport")] })),
                ),
                "post": post_params("The same, parameters in a JSON body.", json_response("The estimate.", schema_ref("EstimateReport")))
            },
            "/api/compare": {
                "get": get(
                    "The same job across regions, providers, zones or hardware (as `mlcarbon compare --format json`).",
                    with(with(job_params(), all_described(&[params::COMPARE_EXTRA])), compare_extra),
                    json_response("The comparison.", schema_ref("CompareReport")),
                ),
                "post": post_params("The same, parameters in a JSON body.", json_response("The comparison.", schema_ref("CompareReport")))
            },
            "/api/statement": {
                "get": get(
                    "A paragraph for a paper or model card (as `mlcarbon statement`).",
                    with(job_params(), statement_extra),
                    text_ok("The statement."),
                ),
                "post": post_params("The same, parameters in a JSON body.", text_ok("The statement."))
            },
            "/api/hardware": { "get": get("Accelerators (as `mlcarbon hardware --format json`).",
                vec![text("search", "Words found in names, ids, aliases or vendors.")],
                json_response("Rows of hardware.csv.", array_of("Hardware"))) },
            "/api/zones": { "get": get("Grid zones (as `mlcarbon zones --format json`).",
                vec![text("search", "Words found in ids, names or aliases."),
                     choice("kind", "Keep one kind of zone.", &ZoneKind::ALL.map(ZoneKind::as_str)),
                     choice("cleanest", "Sort by intensity, lowest first.", &["true", "false", "1", "0", "yes", "no"])],
                json_response("Rows of zones.csv and zones_odbl.csv.", array_of("Zone"))) },
            "/api/regions": { "get": get("Cloud regions (as `mlcarbon regions --format json`).",
                vec![text("provider", "Only this provider's regions."), text("search", "Text found in the code, name, location or zone.")],
                json_response("Rows of regions.csv.", array_of("Region"))) },
            "/api/sources": { "get": get("Every data source with its year and licence.", vec![],
                json_response("Rows of sources.csv.", array_of("Source"))) },
            "/api/runs": {
                "get": get("Stored runs, newest first (as `mlcarbon runs --format json`).", run_filter_params(),
                    json_response("Runs.", array_of("RunRecord"))),
                "post": {
                    "summary": "Record a run measured elsewhere: needs the server's token.",
                    "security": [{ "bearer": [] }],
                    "requestBody": { "content": { "application/json": { "schema": schema_ref("PostedRun") } } },
                    "responses": {
                        "201": json_response("Stored.", json!({ "type": "object", "properties": {
                            "id": { "type": "integer" }, "samples": { "type": "integer" }, "status": { "type": "string" } } })),
                        "400": json_response("Bad body; `field` is the path of the bad value.", schema_ref("Error")),
                        "401": json_response("Missing or wrong bearer token.", schema_ref("Error")),
                        "403": json_response("The server is read-only (started without a token).", schema_ref("Error")),
                        "409": json_response("A run with this uuid is already stored.", schema_ref("Error")),
                        "413": { "description": "Body larger than 64 KiB." }
                    }
                }
            },
            "/api/runs/export": { "get": get("The runs a filter selects, oldest first, as a file.",
                with(run_filter_params(), vec![export_format]), file_ok("The file.")) },
            "/api/runs/{id}": { "get": run_get },
            "/api/runs/{id}/samples": { "get": samples_get },
            "/api/runs/{id}/export": { "get": export_get },
            "/api/runs/{id}/power": { "get": power_get },
            "/api/jobs": { "get": get("Distributed jobs, the most recently started first (as `mlcarbon jobs --format json`): each host counted once.",
                vec![integer("limit", "At most this many jobs (1 to 1000, default 50).", 1, 1000)],
                json_response("Jobs.", array_of("JobTotal"))) },
            "/api/jobs/{key}": { "get": job_get },
            "/runs": {
                "get": { "summary": "The run dashboard, an HTML page (its query takes the filters of /api/runs).",
                    "responses": { "200": { "description": "The page.", "content": { "text/html": { "schema": { "type": "string" } } } } } },
                "post": codecarbon_post(
                "CodeCarbon's API client starts a run (its `api_endpoint` set to this server's root URL, `api_key` to a write token): a new run in project `codecarbon`, experiment = experiment_id. Also served as `//runs`.",
                "CodeCarbonRun", "The run's uuid, which the client sends back as `run_id`.") },
            "/emissions": { "post": codecarbon_post(
                "CodeCarbon's API client posts the energy and emissions of the interval since its last post: one sample of the run, added to its totals. Also served as `//emissions`.",
                "CodeCarbonEmission", "The sample's sequence number in the run.") },
            "/auth/check": { "get": manage_get("Whether the bearer token is the server's (CodeCarbon's CLI checks its login so).", vec![], json!({ "type": "object" })) },
            "/organizations": {
                "get": manage_get("CodeCarbon organisations, by name.", vec![], json!({ "type": "array", "items": schema_ref("CodeCarbonOrganization") })),
                "post": manage_post("A new CodeCarbon organisation.", vec![], "CodeCarbonOrganizationCreate", "CodeCarbonOrganization") },
            "/organizations/{id}": { "get": manage_get("One organisation.", vec![id_param("Organisation id.")], schema_ref("CodeCarbonOrganization")) },
            "/organizations/{id}/projects": { "get": manage_get("The projects of an organisation.", vec![id_param("Organisation id.")], json!({ "type": "array", "items": schema_ref("CodeCarbonProject") })) },
            "/projects": { "post": manage_post("A new CodeCarbon project in an organisation; its runs are stored in the mlcarbon project of its name.", vec![], "CodeCarbonProjectCreate", "CodeCarbonProject") },
            "/projects/{id}": { "get": manage_get("One project.", vec![id_param("Project id.")], schema_ref("CodeCarbonProject")) },
            "/projects/{id}/experiments": { "get": manage_get("The experiments of a project.", vec![id_param("Project id.")], json!({ "type": "array", "items": schema_ref("CodeCarbonExperiment") })) },
            "/projects/{id}/api-tokens": { "post": manage_post("A token for trackers of this project (their api_key): it writes runs of the project's experiments only. Shown once; the server keeps its SHA-256.", vec![id_param("Project id.")], "CodeCarbonTokenCreate", "CodeCarbonToken") },
            "/experiments": { "post": manage_post("A new CodeCarbon experiment in a project; its id is what trackers send as experiment_id.", vec![], "CodeCarbonExperimentCreate", "CodeCarbonExperiment") },
            "/experiments/{id}": { "get": manage_get("One experiment (also those first named by a tracker, without a project).", vec![id_param("Experiment id.")], schema_ref("CodeCarbonExperiment")) },
            "/metrics": { "get": { "summary": "Prometheus text format: runs' energy, emissions and power by run, component and method; the server's request counters.",
                "responses": { "200": { "description": "Metrics.", "content": { "text/plain": { "schema": { "type": "string" } } } } } } }
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer",
                    "description": "The server's token, or with accounts a user token (mlct_<id>_<secret>, `mlcarbon serve token create`)." },
                "apiToken": { "type": "apiKey", "in": "header", "name": "x-api-token",
                    "description": "CodeCarbon's api_key: the server's write token, a project token (mlcc_…), or with accounts a user's write token." },
                "loginCookie": { "type": "apiKey", "in": "cookie", "name": "mlcarbon_token",
                    "description": "Set by POST /login (HttpOnly, SameSite=Strict); reads only." } },
            "schemas": {
                "Error": { "type": "object", "required": ["error", "field"], "properties": {
                    "error": { "type": "string", "description": "What is wrong and what to do." },
                    "field": { "type": "string", "nullable": true, "description": "The parameter or body field at fault (snake_case), or null." } } },
                "EstimateReport": estimate_report,
                "CompatReport": { "type": "object", "description": "Fields of `mlcarbon estimate --compat mlco2 --format json`.", "properties": {
                    "energy_kwh": { "type": "number" }, "energy_kwh_low": { "type": "number" }, "energy_kwh_high": { "type": "number" },
                    "emissions_kg": { "type": "number" }, "emissions_kg_low": { "type": "number" }, "emissions_kg_high": { "type": "number" } } },
                "Option": { "type": "object", "properties": {
                    "label": { "type": "string" }, "provider": { "type": "string", "nullable": true }, "region": { "type": "string", "nullable": true },
                    "zone": { "type": "string", "nullable": true }, "hardware": { "type": "string", "nullable": true }, "hours": { "type": "number" },
                    "emissions_kg": { "type": "number" }, "emissions_kg_low": { "type": "number" }, "emissions_kg_high": { "type": "number" },
                    "saving_kg": { "type": "number" }, "saving_percent": { "type": "number" }, "note": { "type": "string" } } },
                "CompareReport": { "type": "object", "properties": {
                    "by": { "type": "string" }, "baseline": schema_ref("Option"), "assumption": { "type": "string", "nullable": true },
                    "alternatives": { "type": "array", "items": schema_ref("Option") }, "caveat": { "type": "string", "nullable": true } } },
                "Hardware": { "type": "object", "description": "A row of hardware.csv (docs/cli.md, `hardware --format json`)." },
                "Zone": { "type": "object", "description": "A row of zones.csv or zones_odbl.csv; `table` says which." },
                "Region": { "type": "object", "description": "A row of regions.csv." },
                "Source": { "type": "object", "properties": {
                    "id": { "type": "string" }, "title": { "type": "string" }, "publisher": { "type": "string" }, "url": { "type": "string" },
                    "license": { "type": "string" }, "year": { "type": "integer", "nullable": true }, "notes": { "type": "string" } } },
                "JobTotal": job_total,
                "RunRecord": { "type": "object", "description": "A stored run (mlcarbon_store::RunRecord): what it started with, how it ended, its totals." },
                "RunDetail": { "type": "object", "required": ["run", "components", "windows", "samples"], "properties": {
                    "run": schema_ref("RunRecord"), "components": { "type": "array", "items": { "type": "object" } },
                    "windows": { "type": "array", "items": { "type": "object" } }, "samples": { "type": "integer" } } },
                "PowerSeries": { "type": "object", "required": ["points", "samples"], "properties": {
                    "points": { "type": "array", "items": { "type": "object", "properties": {
                        "t_s": { "type": "number" }, "mean_w": { "type": "number" }, "emissions_kg": { "type": "number" },
                        "samples": { "type": "integer" }, "components": { "type": "array", "items": { "type": "object" } } } } },
                    "peak_w": { "type": "number", "nullable": true }, "samples": { "type": "integer" } } },
                "CodeCarbonRun": codecarbon_run_schema(),
                "CodeCarbonEmission": codecarbon_emission_schema(),
                "CodeCarbonOrganization": { "type": "object", "required": ["id", "name"], "properties": {
                    "id": { "type": "string" }, "name": { "type": "string" }, "description": { "type": "string" }, "created_at": { "type": "string" } } },
                "CodeCarbonProject": { "type": "object", "required": ["id", "name", "organization_id"], "properties": {
                    "id": { "type": "string" }, "organization_id": { "type": "string" }, "name": { "type": "string" }, "description": { "type": "string" }, "created_at": { "type": "string" } } },
                "CodeCarbonExperiment": { "type": "object", "required": ["id", "name"], "properties": {
                    "id": { "type": "string" }, "project_id": { "type": "string", "nullable": true }, "name": { "type": "string" }, "description": { "type": "string" }, "created_at": { "type": "string" } } },
                "CodeCarbonToken": { "type": "object", "required": ["id", "project_id", "token"], "properties": {
                    "id": { "type": "string" }, "project_id": { "type": "string" }, "name": { "type": "string" },
                    "token": { "type": "string", "description": "mlcc_<id>_<secret>: the tracker's api_key." }, "created_at": { "type": "string" } } },
                "CodeCarbonOrganizationCreate": { "type": "object", "required": ["name"], "properties": {
                    "name": manage_name(), "description": cc_text() } },
                "CodeCarbonProjectCreate": { "type": "object", "required": ["name", "organization_id"], "properties": {
                    "name": manage_name(), "description": cc_text(), "organization_id": manage_name() } },
                "CodeCarbonExperimentCreate": { "type": "object", "required": ["name", "project_id"],
                    "description": "CodeCarbon's ExperimentCreate; its timestamp, on_cloud and location fields are not kept.",
                    "properties": { "name": manage_name(), "description": cc_text(), "project_id": manage_name() } },
                "CodeCarbonTokenCreate": { "type": "object", "description": "CodeCarbon's CLI also sends project_id and x_token, not needed.",
                    "properties": { "name": cc_text() } },
                "PostedRun": { "type": "object", "required": ["run"], "properties": {
                    "run": { "type": "object", "description": "mlcarbon_store::NewRun: uuid, project, started_at (RFC 3339), components, …" },
                    "samples": { "type": "array", "items": { "type": "object", "description": "mlcarbon_store::SampleRow" } },
                    "end": { "type": "object", "nullable": true, "description": "mlcarbon_store::RunEnd" } } }
            }
        }
    });
    if let (Some(paths), Value::Object(more)) =
        (document["paths"].as_object_mut(), capability_paths())
    {
        paths.extend(more);
    }
    if let Some(paths) = document["paths"].as_object_mut() {
        paths.insert("/api/slurm".to_string(), slurm_path());
    }
    let (operations, schemas) = ingest_paths();
    for (path, method, operation) in operations {
        document["paths"][path][method] = operation;
    }
    if let (Some(known), Value::Object(more)) =
        (document["components"]["schemas"].as_object_mut(), schemas)
    {
        known.extend(more);
    }
    document
}

/// `/api/slurm` (apart from the document's one `json!`, which is at the macro's depth limit).
fn slurm_path() -> Value {
    json!({ "get": get("Slurm jobs imported into the database (`mlcarbon slurm import --cluster`), totalled from their stored figures: clusters, totals, groups, top jobs (as `mlcarbon slurm report --from-db --format json`).",
        vec![
            text("cluster", "Only this cluster's jobs (its name at import)."),
            text("since", "Jobs that ended on or after this day (YYYY-MM-DD)."),
            text("until", "Jobs that ended on or before this day (YYYY-MM-DD)."),
            text("by", "Totals per group, comma-separated, nested in order: user, account, partition, month, state."),
            integer("top", "How many of the most emitting jobs to list.", 1, 100),
        ],
        json_response("Totals.", json!({ "type": "object", "required": ["clusters", "totals", "groups", "top_jobs", "jobs_without_figures"] }))) })
}
