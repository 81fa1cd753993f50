//! The words the demo is written in: supervised units, townships, persons and positions,
//! and the title and body templates of each record kind, in the register of the seed
//! documents (巡察反馈、审计报告、信访举报、通报). Placeholders in braces are filled by
//! `records::fill`.

/// Supervised units (监督对象, 单位/党组织) of the city.
pub const UNITS: &[&str] = &[
    "市住房和城乡建设局",
    "市交通运输局",
    "市农业农村局",
    "市教育局",
    "市卫生健康委员会",
    "市自然资源和规划局",
    "市生态环境局",
    "市水利局",
    "市民政局",
    "市人力资源和社会保障局",
    "市市场监督管理局",
    "市商务局",
    "市文化广电和旅游局",
    "市城市管理局",
    "市医疗保障局",
    "市退役军人事务局",
    "市应急管理局",
    "市国有资产监督管理委员会",
    "市投资控股集团有限公司",
    "市城市建设投资有限公司",
    "市中心医院",
    "市第一高级中学",
    "市职业技术学院",
    "市公共资源交易中心",
    "市住房公积金管理中心",
    "市粮食和物资储备中心",
    "市机关事务管理局",
    "市体育运动学校",
];

/// Townships and sub-districts of the two counties (乡镇、街道).
pub const TOWNS: &[&str] = &[
    "源汇区东城街道",
    "源汇区西关街道",
    "源汇区新华街道",
    "源汇区河东镇",
    "源汇区柳林镇",
    "源汇区石桥乡",
    "舞阳县北关镇",
    "舞阳县王庄镇",
    "舞阳县孟庄乡",
    "舞阳县杨湾乡",
    "舞阳县侯集镇",
    "舞阳县清河镇",
];

pub const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹", "袁", "邓", "许", "傅",
];

pub const GIVEN: &[&str] = &[
    "建国", "红梅", "卫东", "志刚", "海燕", "国强", "丽萍", "永生", "建军", "秀英", "德胜", "文博", "晓光", "俊峰",
    "春生", "玉兰", "振华", "立新", "雪峰", "明亮", "桂芳", "长林", "宏伟", "新民", "爱国", "少华", "金凤", "保东",
    "学军", "庆丰", "晓燕", "铁军", "敏", "静", "伟", "磊", "勇", "涛",
];

pub const UNIT_POSITIONS: &[&str] = &[
    "党组书记、局长",
    "党组成员、副局长",
    "副局长",
    "总经济师",
    "办公室主任",
    "财务科科长",
    "计划财务科科长",
    "工程建设科科长",
    "执法大队大队长",
    "机关党委书记",
];

pub const TOWN_POSITIONS: &[&str] =
    &["党委书记", "镇长", "党委副书记", "财政所所长", "村党支部书记", "村委会主任", "三资代理服务中心主任"];

pub const PROJECTS: &[&str] = &[
    "道路养护工程",
    "老旧小区改造项目",
    "高标准农田建设项目",
    "农村人居环境整治项目",
    "校舍维修改造工程",
    "医疗设备采购项目",
    "河道治理工程",
    "智慧城市信息化项目",
];

pub const BUSINESSES: &[&str] = &["建材公司", "劳务公司", "物业服务公司", "农资经营部", "餐饮企业", "工程咨询公司"];

pub const TASKS: &[&str] =
    &["农村危房改造", "营商环境评价", "安全生产大检查", "河长制考核", "耕地保护督查", "城市创文迎检"];

pub const ROUNDS: &[&str] =
    &["七届市委第十一轮巡察", "七届市委第十二轮巡察", "七届市委第十三轮巡察", "七届市委第十四轮巡察"];

pub const COUNTY_ROUNDS: &[&str] = &["源汇区委第五轮巡察", "源汇区委第六轮巡察"];

/// Where a record comes from, by the owner's kind, as the body's first words.
pub fn source_phrase(kind: &str) -> &'static str {
    match kind {
        "inspection" => "{round}中,巡察组在对{unit}党组织开展巡察时发现,",
        "audit" => "市审计局在{year}年度预算执行审计中发现,",
        "petition" => "市信访局接群众来信反映,",
        "supervision_office" => "市委市政府督查局在专项督查中发现,",
        "discipline" => "纪检监察机关在日常监督中发现,",
        "police" => "市公安局在办理相关案件中发现,",
        "procuratorate" => "市人民检察院在履行法律监督职责中发现,",
        "finance" => "市财政局在财会监督检查中发现,",
        _ => "经调查了解,",
    }
}

/// A template: title, body (after the source phrase), category, and whether it is about a
/// person (else about the unit itself).
pub struct Template {
    pub title: &'static str,
    pub body: &'static str,
    pub category: &'static str,
    pub person: bool,
}

const fn t(title: &'static str, body: &'static str, category: &'static str, person: bool) -> Template {
    Template { title, body, category, person }
}

pub const CLUES: &[Template] = &[
    t("关于{unit}{pos}{person}违规发放津补贴问题的线索", "{unit}{year}年以来以加班费、值班补助名义违规发放津补贴共计{amount}万元,{pos}{person}审批签字,对此负有直接责任。", "中央八项规定精神", true),
    t("{unit}{pos}{person}插手工程项目问题线索", "{person}利用担任{unit}{pos}的职务便利,为其亲属承揽{project}提供帮助,涉及合同金额{amount}万元。", "廉洁纪律", true),
    t("{unit}“三资”管理不规范问题线索", "{unit}集体资金、资产、资源管理混乱,{n}个村集体土地承包合同未经民主程序签订,涉及金额{amount}万元,{pos}{person}未认真履职。", "群众纪律", false),
    t("关于{unit}{pos}{person}违规选人用人问题的线索", "{unit}{year}年突击提拔干部{n}人,干部档案审核把关不严,{pos}{person}存在违规干预干部选拔任用情形。", "组织纪律", true),
    t("{unit}{pos}{person}违规收受礼品礼金问题线索", "{person}在任{unit}{pos}期间,多次收受管理服务对象所送购物卡、礼金,累计{amount}万元。", "廉洁纪律", true),
    t("{unit}公款吃喝问题线索", "{unit}{year}年以公务接待名义在定点饭店列支餐费{amount}万元,无公函、无接待清单,{pos}{person}审批签字。", "中央八项规定精神", false),
    t("{unit}{pos}{person}违规经商办企业问题线索", "{person}本人及其配偶在{unit}业务辖区内入股经营{biz},未按规定报告个人有关事项。", "廉洁纪律", true),
    t("{unit}落实意识形态工作责任制不力问题线索", "{unit}党组织对意识形态工作研究部署不及时,{year}年未专题听取意识形态工作汇报,{pos}{person}履行第一责任人职责不到位。", "政治纪律", false),
    t("{unit}{pos}{person}在惠民资金发放中优亲厚友问题线索", "{person}在{project}补助资金发放中为亲属违规办理,涉及{n}户、资金{amount}万元。", "群众纪律", true),
    t("{unit}在{task}中搞形式主义问题线索", "{unit}在{task}中弄虚作假、数据注水,{pos}{person}作为分管负责人未认真核实即签字上报。", "工作纪律", false),
    t("{unit}{pos}{person}违规操办婚丧喜事问题线索", "{person}为其子操办婚宴{n}桌,邀请管理服务对象参加并收受礼金{amount}万元。", "生活纪律", true),
    t("{unit}党组织主体责任落实不到位问题线索", "{unit}党组织全面从严治党主体责任压得不实,对{year}年巡察反馈问题整改敷衍应付,{n}项问题未按期整改,{pos}{person}督促不力。", "全面从严治党不力", false),
];

pub const PETITIONS: &[Template] = &[
    t(
        "反映{unit}{pos}{person}插手工程项目的信访举报",
        "举报人反映{person}利用职务便利为亲属承揽{project}提供帮助,并从中收取好处费约{amount}万元。",
        "廉洁纪律",
        true,
    ),
    t(
        "反映{unit}{pos}{person}侵占集体资金的信访举报",
        "举报人反映{person}在担任{pos}期间,虚列支出套取集体资金{amount}万元,村民多次反映未果。",
        "群众纪律",
        true,
    ),
    t(
        "反映{unit}违规收取费用的信访件",
        "来信反映{unit}在办理业务过程中违规收取服务费、资料费,{year}年以来涉及群众{n}人次。",
        "群众纪律",
        false,
    ),
    t(
        "反映{unit}{pos}{person}作风粗暴、吃拿卡要的信访举报",
        "举报人反映{person}在办理审批事项时故意刁难群众,暗示请托人送礼,涉及企业{n}家。",
        "群众纪律",
        true,
    ),
    t(
        "反映{unit}{pos}{person}违规兼职取酬的信访举报",
        "举报人反映{person}未经批准在{biz}兼职并领取报酬{amount}万元。",
        "廉洁纪律",
        true,
    ),
];

pub const CASES: &[Template] = &[
    t("{unit}原{pos}{person}严重违纪违法案", "经查,{person}违反中央八项规定精神,违规收受礼品礼金;利用职务便利在{project}中为他人谋取利益,非法收受财物共计{amount}万元。给予开除党籍、开除公职处分,涉嫌受贿犯罪问题移送检察机关依法审查起诉。", "廉洁纪律", true),
    t("{unit}{pos}{person}违规发放津补贴案", "经查,{person}在任{unit}{pos}期间,违规发放津补贴{amount}万元。给予党内严重警告处分,违纪款项已全部收缴。", "中央八项规定精神", true),
    t("{unit}{pos}{person}失职失责案", "经查,{person}在{task}工作中不担当不作为,造成不良影响。给予政务记过处分。", "工作纪律", true),
];

pub const FEEDBACKS: &[Template] = &[
    t("关于{round}对{unit}党组织巡察情况的反馈意见", "巡察组指出:一是学习贯彻党的二十大精神有差距,党的领导弱化;二是落实全面从严治党主体责任不到位;三是选人用人和基层党组织建设存在薄弱环节。共发现问题{n}个,移交问题线索{m}件,要求在两个月内完成集中整改。", "党的领导弱化", false),
    t("{round}反馈{unit}党的建设方面问题", "巡察发现{unit}基层党组织“三会一课”制度落实不严格,{n}个党支部组织生活流于形式,发展党员程序不规范,党费收缴不及时。", "党的建设缺失", false),
    t("{round}反馈{unit}巡察整改落实情况", "{unit}对上轮巡察反馈的{n}个问题已整改完成{m}个,对账销号率不足七成,部分问题“虎头蛇尾”、前紧后松。", "全面从严治党不力", false),
];

pub const AUDITS: &[Template] = &[
    t(
        "{unit}{year}年度预算执行和其他财政收支审计报告",
        "审计发现:{unit}项目资金拨付滞后,部分工程未按设计施工,{n}项支出无预算、超预算,涉及资金{amount}万元。",
        "工作纪律",
        false,
    ),
    t(
        "审计发现{unit}专项资金挪用问题",
        "审计发现{unit}挪用{project}专项资金{amount}万元用于弥补办公经费,{pos}{person}审批同意。",
        "廉洁纪律",
        false,
    ),
    t(
        "{unit}主要领导干部经济责任审计报告",
        "审计发现{pos}{person}任职期间重大经济事项未经集体决策{n}项,政府采购程序不规范,涉及金额{amount}万元。",
        "全面从严治党不力",
        true,
    ),
];

pub const CHECKS: &[Template] = &[
    t(
        "关于{unit}{task}专项检查情况的报告",
        "专项检查组对{unit}开展{task}专项检查,发现台账不全、责任不落实等问题{n}个,已督促限期整改。",
        "工作纪律",
        false,
    ),
    t(
        "{unit}整治群众身边不正之风和腐败问题专项检查情况",
        "检查发现{unit}在{project}中存在优亲厚友、虚报冒领等问题{n}起,涉及资金{amount}万元。",
        "群众纪律",
        false,
    ),
    t(
        "{unit}落实中央八项规定精神专项检查情况",
        "检查发现{unit}公务用车管理不规范、公务接待超标准等问题{n}个,已移交相关线索{m}件。",
        "中央八项规定精神",
        false,
    ),
];

pub const ANALYSES: &[Template] = &[
    t("{unit}原{pos}{person}严重违纪违法案件剖析报告", "剖析指出:{person}理想信念动摇、纪法意识淡薄,{unit}权力运行制约监督机制不健全,{project}审批环节风险防控薄弱。提出完善制度、加强警示教育等{n}条建议。", "廉洁纪律", true),
    t("{unit}系统腐败问题案件剖析报告", "近年来{unit}系统共查处违纪违法案件{n}起,集中在{project}、资金拨付等环节,暴露出监管缺位、内控失灵等问题。", "全面从严治党不力", false),
];

pub const RECOMMENDATIONS: &[Template] = &[
    t("关于{unit}加强{project}监管的纪检监察建议书", "针对查办案件中暴露出的{unit}在{project}中监管不力、制度漏洞等问题,建议健全招投标监管机制,{m}个月内书面反馈整改情况。", "工作纪律", false),
    t("关于{unit}规范津补贴发放的纪检监察建议书", "针对{unit}违规发放津补贴问题,建议全面清理{year}年以来津补贴发放情况,追缴违规款项{amount}万元,并建立长效机制。", "中央八项规定精神", false),
];

pub const NOTICES: &[Template] = &[
    t("关于{n}起违反中央八项规定精神典型问题的通报", "通报{n}起违反中央八项规定精神典型问题,涉及违规发放津补贴、公款吃喝、违规收受礼品礼金等,其中包括{unit}相关问题。", "中央八项规定精神", false),
    t("关于{n}起群众身边不正之风和腐败问题的通报", "通报{n}起发生在群众身边的不正之风和腐败问题,涉及{project}等领域,各单位要引以为戒。", "群众纪律", false),
    t("关于{round}发现共性问题的通报", "{round}共发现共性问题{n}类,主要集中在“三资”管理、选人用人、工程项目管理等方面,请各成员单位对照自查、举一反三。", "全面从严治党不力", false),
    t("关于{n}起形式主义官僚主义典型问题的通报", "通报{n}起形式主义官僚主义典型问题,涉及{task}中弄虚作假、敷衍塞责等。", "工作纪律", false),
];

pub const RETURN_REASONS: &[&str] = &[
    "该线索反映的问题属于干部管理权限范围以外,请按管理权限移交县级纪委监委",
    "线索要素不全,缺少被反映人具体职务和问题发生时间,请补充后重新移交",
    "该问题已由本单位在办理中,为避免重复办理予以退回",
    "反映问题属于行政执法范畴,建议移交市场监管部门处理",
];

pub const SUGGESTIONS: &[&str] =
    &["建议由市纪委监委谈话函询", "建议初步核实", "建议进行组织处理", "建议立案审查调查", "建议约谈提醒并督促整改"];
